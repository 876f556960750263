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

    /// <summary>Every answer position predicts <paramref name="token"/>(position) with logit <paramref name="strength"/>.</summary>
    public static ScriptedDenoiser Confident(Func<int, int> token, double strength = 20) =>
        new(Vocab, Mask, Eos, ScriptedDenoiser.PerPosition(Vocab, token, _ => strength));

    public static MaskedGenerationRequest Request(MaskedSamplerOptions options, ulong seed = 0, params int[][] prompts) =>
        new(prompts.Length == 0 ? [[1]] : prompts.Select(p => (IReadOnlyList<int>)p).ToList(), options, seed);

    /// <summary>The answer-relative positions committed by each step of row 0, in order.</summary>
    public static List<IReadOnlyList<int>> StepPositions(List<MaskedSamplerEvent> events) =>
        events.OfType<StepCommittedEvent>().Where(e => e.Row == 0).Select(e => e.Positions).ToList();
}
