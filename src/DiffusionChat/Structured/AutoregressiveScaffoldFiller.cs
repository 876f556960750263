using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling;
using DiffusionChat.Tokenization;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Fills a scaffold with the autoregressive baseline: constrained decoding. Fixed text is forced (never sampled),
/// choices are scored by the model's likelihood of each opening (one batched causal pass over the openings), and
/// values are decoded greedily token by token from the vocabulary their slot allows, with a key/value cache per value,
/// until the string's closing quote or the number's end.
/// </summary>
/// <remarks>
/// Host transfers go through <see cref="DeviceTransfers"/>: one per decoded token and one per choice. One instance per request;
/// not thread-safe. Dispose it to free its vocabulary masks.
/// </remarks>
public sealed class AutoregressiveScaffoldFiller : IScaffoldFiller, IDisposable
{
    private readonly LlamaForCausalLM model;
    private readonly ITextTokenizer tokenizer;
    private readonly int[] prompt;
    private readonly SlotVocabulary vocabulary;
    private readonly DeviceTransfers transfers = new();
    private readonly SlotMasks masks;
    private int forwardPasses;
    private int sequencePasses;

    /// <summary>Creates a filler for one answer to <paramref name="promptIds"/>.</summary>
    /// <param name="model">The decoder (not owned).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="promptIds">The prompt up to where the answer starts (not modified).</param>
    /// <param name="vocabulary">The token roles for this tokenizer, sized to the model's vocabulary.</param>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id outside the vocabulary, or the vocabulary's size differs from the model's.</exception>
    public AutoregressiveScaffoldFiller(LlamaForCausalLM model, ITextTokenizer tokenizer, IReadOnlyList<int> promptIds, SlotVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(vocabulary);
        vocabulary.EnsureCovers(model.Config.VocabSize);

        Sampling.PromptCheck.Single(promptIds, model.Config.VocabSize, reserved: null, reservedName: null);
        this.model = model;
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        prompt = [.. promptIds];
        masks = new SlotMasks(vocabulary, transfers, Device);
    }

    /// <summary>What filling has cost so far.</summary>
    public ScaffoldCosts Costs => new(forwardPasses, sequencePasses, (int)transfers.Reads);

    private Device Device
    {
        get
        {
            using var weight = model.model.embed_tokens.weight!; // the getter hands out a new handle
            return weight.device;
        }
    }

    /// <inheritdoc />
    public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken) =>
        OpeningScoring.ChooseWith(tokenizer, prompt, written, openings, cancellationToken, rows => ScoreOpenings(rows, openings.Count));

    /// <summary>One batched call scoring every (opening, token) row; the index of the best opening.</summary>
    private int ScoreOpenings(List<OpeningScoring.ScoredToken> rows, int openingCount)
    {

        // One causal row per opening (its longest scored context plus the last token), right-padded: causal attention
        // never lets the padding reach an earlier position.
        var sequences = Enumerable.Range(0, openingCount)
            .Select(a => rows.Where(r => r.Owner == a).MaxBy(r => r.Context.Length)!)
            .Select(r => r.Context.Append(r.Target).ToArray()).ToList();
        int width = sequences.Max(s => s.Length);
        var ids = new long[openingCount * width];
        for (int a = 0; a < openingCount; a++)
        {
            for (int i = 0; i < sequences[a].Length; i++)
            {
                ids[(a * width) + i] = sequences[a][i];
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = Device;
        var logits = model.forward(transfers.Upload(ids, [openingCount, width], device)); // [A, T, V]
        forwardPasses++;
        sequencePasses += openingCount;

        // Row r's target is predicted at its opening's row, one position before the target.
        var byRow = logits.index_select(0, Upload(rows.Select(r => (long)r.Owner).ToArray(), device));
        return OpeningScoring.Choose(byRow, rows.Select(r => (long)(r.Context.Length - 1)).ToArray(), rows, openingCount, transfers);
    }

    /// <summary>
    /// The model's most likely first token of the answer, from one causal pass over the prompt: how the scaffolding
    /// middleware learns whether the model, left free, would open a tool call.
    /// </summary>
    /// <param name="cancellationToken">Checked before the pass.</param>
    /// <returns>The token id.</returns>
    internal int MostLikelyFirstToken(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(transfers.Upload(prompt.Select(t => (long)t).ToArray(), [1, prompt.Length], Device))[0, -1]; // [V]
        forwardPasses++;
        sequencePasses++;
        return (int)transfers.ReadInt64(logits.argmax().unsqueeze(0))[0];
    }

    /// <inheritdoc />
    public string FillString(string written, StringSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var value = new List<int>();
        string? closed = null;
        Decode(written, slot.MaxTokens, _ => masks.String, token =>
        {
            value.Add(token);
            var text = tokenizer.Decode(value);
            int quote = SlotVocabulary.ClosingQuote(text);
            closed = quote >= 0 ? text[..quote] : null;
            return closed is null;
        }, cancellationToken);
        return closed ?? tokenizer.Decode(value);
    }

    /// <inheritdoc />
    public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var state = NumberState.Start;
        var text = new System.Text.StringBuilder();
        Decode(written, slot.MaxTokens, _ => masks.Number(state, slot.Integer), token =>
        {
            var kind = vocabulary.NumberClass(token);
            if (kind == NumberTokenClass.End)
            {
                return false;
            }

            text.Append(vocabulary.Text(token));
            state = NumberGrammar.Next(state, kind);
            return true;
        }, cancellationToken);
        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        masks.Dispose();
    }

    /// <summary>Greedy cached decoding after the laid-out text: each token from the allowed mask, until <paramref name="accept"/> says stop or the budget ends.</summary>
    private void Decode(string written, int maxTokens, Func<int, Tensor> allowed, Func<int, bool> accept, CancellationToken cancellationToken)
    {
        var context = prompt.Concat(tokenizer.Encode(written)).Select(t => (long)t).ToArray();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = Device;
        using var cache = new KeyValueCache(model.Config.NumHiddenLayers);
        var logits = model.Forward(transfers.Upload(context, [1, context.Length], device), ones(1, context.Length, ScalarType.Bool, device), cache)[0, -1];
        int length = context.Length;
        for (int step = 0; step < maxTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            forwardPasses++;
            sequencePasses++;
            using var stepScope = NewDisposeScope();
            var next = logits.FillMasked(allowed(step).logical_not(), double.NegativeInfinity).argmax().unsqueeze(0); // [1]
            int token = (int)transfers.ReadInt64(next)[0];
            if (!accept(token) || step + 1 == maxTokens)
            {
                return;
            }

            length++;
            logits = model.Forward(next.unsqueeze(0), ones(1, length, ScalarType.Bool, device), cache)[0, -1].MoveToOuterDisposeScope();
        }
    }

    private Tensor Upload(long[] values, Device device) => transfers.Upload(values, [values.Length], device);
}
