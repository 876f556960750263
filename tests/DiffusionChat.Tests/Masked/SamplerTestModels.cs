using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>Shared arrangements for the sampler tests: a vocabulary of 8 with mask id 7 and end-of-sequence id 6.</summary>
internal static class SamplerTestModels
{
    public const int Vocab = 8;
    public const long Mask = 7;
    public const long Eos = 6;

    /// <summary>A model whose logits at absolute position p are <paramref name="rows"/>[p - 1] (prompt length 1).</summary>
    public static ScriptedDenoiser FixedRows(params float[][] rows) => new(Vocab, Mask, Eos, (ids, _) =>
    {
        long b = ids.shape[0], l = ids.shape[1];
        var values = new float[b * l * Vocab];
        for (int r = 0; r < b; r++)
        {
            for (int p = 1; p < l && p - 1 < rows.Length; p++)
            {
                rows[p - 1].CopyTo(values, ((r * l) + p) * Vocab);
            }
        }

        return tensor(values, [b, l, Vocab]);
    });

    /// <summary>
    /// A model that reads the whole sequence: position p predicts (1 + p + the sum of every other unmasked id) mod 6
    /// (never the mask or end of sequence) with a logit that grows with p, so every committed token, prompt token and
    /// cached id changes what the other positions predict.
    /// </summary>
    public static ScriptedDenoiser ReadsTheWholeSequence(bool staleCaches = false) => new(Vocab, Mask, Eos, (ids, _) =>
    {
        long b = ids.shape[0], l = ids.shape[1];
        var input = ids.data<long>().ToArray();
        var values = new float[b * l * Vocab];
        for (int r = 0; r < b; r++)
        {
            var row = input.AsSpan(r * (int)l, (int)l);
            long sum = 0;
            foreach (var id in row)
            {
                sum += id == Mask ? 0 : id;
            }

            for (int p = 0; p < l; p++)
            {
                long others = sum - (row[p] == Mask ? 0 : row[p]);
                values[(((r * l) + p) * Vocab) + ((1 + p + others) % 6)] = 5 + p;
            }
        }

        return tensor(values, [b, l, Vocab]);
    })
    {
        StaleCaches = staleCaches,
    };

    /// <summary>Every answer position predicts <paramref name="token"/>(position) with logit <paramref name="strength"/>.</summary>
    public static ScriptedDenoiser Confident(Func<int, int> token, double strength = 20) =>
        new(Vocab, Mask, Eos, ScriptedDenoiser.PerPosition(Vocab, token, _ => strength));

    public static MaskedGenerationRequest Request(MaskedSamplerOptions options, ulong seed = 0, params int[][] prompts) =>
        new(prompts.Length == 0 ? [[1]] : prompts.Select(p => (IReadOnlyList<int>)p).ToList(), options, seed);

    /// <summary>The answer-relative positions committed by each step of row 0, in order.</summary>
    public static List<IReadOnlyList<int>> StepPositions(List<StepCommittedEvent> events) =>
        events.Where(e => e.Row == 0).Select(e => e.Positions).ToList();
}
