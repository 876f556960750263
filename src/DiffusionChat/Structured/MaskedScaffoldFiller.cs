using DiffusionChat.Models;
using DiffusionChat.Sampling;
using DiffusionChat.Tensors;
using DiffusionChat.Tokenization;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Fills a scaffold with a masked-diffusion denoiser. Choices are scored by the model's own likelihood (chain rule over
/// the opening's tokens, every prefix of every opening one row of a single batched call). String values grow block by
/// block after the text laid out so far, followed by masked positions, until the model writes the closing quote;
/// inside a block each pass commits the most confident position plus every one above the threshold. Numbers are
/// written one token per pass from the digits, minus and point the JSON number grammar allows at that point.
/// </summary>
/// <remarks>
/// <para>The text laid out so far is re-tokenized before each slot, so the model always sees the tokenization it was
/// trained on; fixed text costs no forward pass. The filler never changes laid-out text: it only adds value tokens.</para>
/// <para>Host transfers go through <see cref="DeviceTransfers"/>: one small read per pass (the committed block, the next number
/// token, or the chosen option's index). One instance per request; not thread-safe. Dispose it to free its
/// vocabulary masks.</para>
/// </remarks>
public sealed class MaskedScaffoldFiller : IScaffoldFiller, IDisposable
{
    private readonly IMaskedDenoiser denoiser;
    private readonly ITextTokenizer tokenizer;
    private readonly int[] prompt;
    private readonly SlotVocabulary vocabulary;
    private readonly MaskedScaffoldOptions options;
    private readonly DeviceTransfers transfers = new();
    private readonly SlotMasks masks;
    private int forwardPasses;
    private int sequencePasses;

    /// <summary>Creates a filler for one answer to <paramref name="promptIds"/>.</summary>
    /// <param name="denoiser">The model (not owned).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="promptIds">The prompt up to where the answer starts (not modified).</param>
    /// <param name="vocabulary">The token roles for this tokenizer, sized to the model's vocabulary.</param>
    /// <param name="options">Growth settings; defaults when null.</param>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id outside the vocabulary or the mask id, or the vocabulary's size differs from the model's.</exception>
    public MaskedScaffoldFiller(IMaskedDenoiser denoiser, ITextTokenizer tokenizer, IReadOnlyList<int> promptIds, SlotVocabulary vocabulary, MaskedScaffoldOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(vocabulary);
        this.options = options ?? new MaskedScaffoldOptions();
        this.options.Validate();
        vocabulary.EnsureCovers(denoiser.VocabSize);

        Sampling.PromptCheck.Single(promptIds, denoiser.VocabSize, denoiser.MaskTokenId, "the mask token");
        this.denoiser = denoiser;
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        prompt = [.. promptIds];
        masks = new SlotMasks(vocabulary, transfers, denoiser.Device);
    }

    /// <summary>What filling has cost so far.</summary>
    public ScaffoldCosts Costs => new(forwardPasses, sequencePasses, (int)transfers.Reads);

    /// <inheritdoc />
    public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken) =>
        OpeningScoring.ChooseWith(tokenizer, prompt, written, openings, cancellationToken, rows => ScoreOpenings(rows, openings.Count));

    /// <summary>One batched call scoring every (opening, token) row; the index of the best opening.</summary>
    private int ScoreOpenings(List<OpeningScoring.ScoredToken> rows, int openingCount)
    {
        int total = rows.Max(r => r.Context.Length) + 1 + options.TailLength;
        long mask = denoiser.MaskTokenId;
        var ids = new long[rows.Count * total];
        Array.Fill(ids, mask);
        for (int r = 0; r < rows.Count; r++)
        {
            // The scored token and everything after it are masked: the chain rule's p(token | what precedes it).
            Array.Copy(rows[r].Context.Select(t => (long)t).ToArray(), 0, ids, r * total, rows[r].Context.Length);
        }

        int first = rows.Min(r => r.Context.Length), last = rows.Max(r => r.Context.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = denoiser.Device;
        var x = transfers.Upload(ids, [rows.Count, total], device);
        var logits = denoiser.Forward(x, logitsFor: first..(last + 1)); // [R, W, V]
        forwardPasses++;
        sequencePasses += rows.Count;
        return OpeningScoring.Choose(logits, rows.Select(r => (long)(r.Context.Length - first)).ToArray(), rows, openingCount, transfers);
    }

    /// <summary>
    /// The model's most likely first token of the answer (the mask id excluded), from one pass over the prompt and masked
    /// answer positions: how the scaffolding middleware learns whether the model, left free, would open a tool call.
    /// </summary>
    /// <param name="cancellationToken">Checked before the pass.</param>
    /// <returns>The token id.</returns>
    internal int MostLikelyFirstToken(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = Row(prompt, [], options.BlockLength);
        var logits = denoiser.Forward(x, logitsFor: prompt.Length..(prompt.Length + 1))[0, 0]; // [V]
        forwardPasses++;
        sequencePasses++;
        logits[denoiser.MaskTokenId].FillWith(double.NegativeInfinity);
        return (int)transfers.ReadInt64(logits.argmax().unsqueeze(0))[0];
    }

    /// <inheritdoc />
    public string FillString(string written, StringSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var context = Context(written);
        var value = new List<int>();
        while (value.Count < slot.MaxTokens)
        {
            int block = Math.Min(options.BlockLength, slot.MaxTokens - value.Count);
            var (committed, closed) = GrowBlock(context, value, block, cancellationToken);
            if (closed is not null)
            {
                return closed;
            }

            value.AddRange(committed.Select(t => (int)t));
        }

        return tokenizer.Decode(value); // the budget ends the value; the writer escapes whatever it holds
    }

    /// <inheritdoc />
    public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var context = Context(written);
        var value = new List<int>();
        var state = NumberState.Start;
        var text = new System.Text.StringBuilder();
        while (value.Count < slot.MaxTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = Row(context, value, 1);
            int start = context.Count + value.Count;
            var logits = denoiser.Forward(x, logitsFor: start..(start + 1))[0, 0]; // [V]
            forwardPasses++;
            sequencePasses++;
            var token = (int)transfers.ReadInt64(logits.FillMasked(masks.Number(state, slot.Integer).logical_not(), double.NegativeInfinity).argmax().unsqueeze(0))[0];
            var kind = vocabulary.NumberClass(token);
            if (kind == NumberTokenClass.End)
            {
                break;
            }

            value.Add(token);
            text.Append(vocabulary.Text(token));
            state = NumberGrammar.Next(state, kind);
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        masks.Dispose();
    }

    /// <summary>
    /// Denoises one block of <paramref name="block"/> masked positions after the value so far: passes commit the most
    /// confident position plus every one at or above the threshold, until the block is full or its committed prefix
    /// closes the string. Returns the block's tokens, or the value's raw text when it closed.
    /// </summary>
    private (long[] Committed, string? Closed) GrowBlock(IReadOnlyList<int> context, List<int> value, int block, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long mask = denoiser.MaskTokenId;
        var x = Row(context, value, block);
        int start = context.Count + value.Count;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var committed = ConfidenceOrderedCommit.Step(denoiser, x, start, start + block, masks.String, options.ConfidenceThreshold, transfers);
            forwardPasses++;
            sequencePasses++;

            int filled = Array.IndexOf(committed, mask);
            filled = filled < 0 ? block : filled;
            var text = tokenizer.Decode(value.Concat(committed.Take(filled).Select(t => (int)t)).ToList());
            int quote = SlotVocabulary.ClosingQuote(text);
            if (quote >= 0)
            {
                return ([], text[..quote]);
            }

            if (filled == block)
            {
                return (committed, null);
            }
        }
    }

    /// <summary>The prompt and the laid-out answer, tokenized as one text so the boundary tokenizes as in training.</summary>
    private List<int> Context(string written) => [.. prompt, .. tokenizer.Encode(written)];

    /// <summary>[1, L]: context, value so far, then <paramref name="block"/> + tail masked positions.</summary>
    private Tensor Row(IReadOnlyList<int> context, List<int> value, int block)
    {
        var ids = new long[context.Count + value.Count + block + options.TailLength];
        Array.Fill(ids, denoiser.MaskTokenId);
        for (int i = 0; i < context.Count; i++)
        {
            ids[i] = context[i];
        }

        for (int i = 0; i < value.Count; i++)
        {
            ids[context.Count + i] = value[i];
        }

        return transfers.Upload(ids, [1, ids.Length], denoiser.Device);
    }
}
