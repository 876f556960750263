using DiffusionChat.Generation;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Tensors;
using DiffusionChat.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Fills a scaffold with a simplex-diffusion denoiser (SSD-LM). String and number values are written block by block
/// after the text laid out so far (blocks on the answer's grid, the block's written part held fixed), each block
/// denoised for the model's T steps from the tokens a value may hold, until
/// the value's end shows (the closing quote of a string, the first non-number character of a number) or its budget
/// runs out. Choices are scored by the chain rule over each opening's tokens, with the model's prediction of a block's
/// first token at full noise as p(token | what precedes it), every prefix of every opening one row of a single call.
/// </summary>
/// <remarks>
/// <para>Why the first block position: a simplex block is predicted as a whole, and at full noise (t = T) its first
/// position has nothing but the context to go on, so its score is the model's next-token distribution (exactly so for
/// a <c>shift_logits</c> model such as <see cref="SimplexLlamaDenoiser"/>, whose first block token is scored from the
/// last context token's state, which never sees the block). The block fed there is the uniform simplex point.</para>
/// <para>The noise comes from a fixed seed, so the same request gets the same answer (scaffolded answers are greedy).
/// Each value block costs T forward passes and one host read; a choice one pass and one read. One instance per
/// request; not thread-safe. Dispose it to free its vocabulary masks.</para>
/// </remarks>
public sealed class SimplexScaffoldFiller : IScaffoldFiller, IDisposable
{
    private readonly ISimplexDenoiser denoiser;
    private readonly ITextTokenizer tokenizer;
    private readonly SlotVocabulary vocabulary;
    private readonly int[] prompt;
    private readonly SimplexSamplerOptions options;
    private readonly long seed;
    private readonly DeviceTransfers transfers = new();
    private readonly SlotMasks masks;
    private int forwardPasses;
    private int sequencePasses;
    private int blocksFilled;

    /// <summary>Creates a filler for one answer to <paramref name="promptIds"/>.</summary>
    /// <param name="denoiser">The model (not owned).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="promptIds">The prompt up to where the answer starts (not modified).</param>
    /// <param name="vocabulary">The token roles for this tokenizer, sized to the model's vocabulary.</param>
    /// <param name="options">Steps (T), block length (value tokens per block), K, top-p and projection; the block count,
    /// end-of-sequence and context overflow do not apply.</param>
    /// <param name="seed">Seed of the noise (the same seed and request give the same fill).</param>
    /// <exception cref="ArgumentException">The prompt is empty or holds an id outside the vocabulary, or the vocabulary's size differs from the model's.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SimplexScaffoldFiller(ISimplexDenoiser denoiser, ITextTokenizer tokenizer, IReadOnlyList<int> promptIds, SlotVocabulary vocabulary, SimplexSamplerOptions options, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        vocabulary.EnsureCovers(denoiser.VocabSize);

        PromptCheck.Single(promptIds, denoiser.VocabSize, reserved: null, reservedName: null);
        this.denoiser = denoiser;
        this.tokenizer = tokenizer;
        this.vocabulary = vocabulary;
        this.seed = seed;
        this.options = options with { MaxBlocks = 1, EndOfSequenceTokenId = null, ContextOverflow = SimplexContextOverflow.Reject };
        prompt = [.. promptIds];
        masks = new SlotMasks(vocabulary, transfers, denoiser.Device);
    }

    /// <summary>
    /// A filler over a loaded simplex model at its own defaults (steps and block length from its
    /// <c>generation_defaults</c>): what the scaffolding middleware uses.
    /// </summary>
    /// <param name="generator">The model's generator (not owned).</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="promptIds">The prompt up to where the answer starts (not modified).</param>
    /// <param name="vocabulary">The token roles for this tokenizer, sized to the model's vocabulary.</param>
    /// <returns>The filler (dispose it).</returns>
    public static SimplexScaffoldFiller For(SimplexTokenGenerator generator, ITextTokenizer tokenizer, IReadOnlyList<int> promptIds, SlotVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(generator);
        // The generator always fills its defaults in.
        var settings = new SimplexSamplerOptions { Steps = generator.DefaultDiffusion.Steps!.Value, BlockLength = generator.DefaultDiffusion.BlockLength!.Value };
        return new SimplexScaffoldFiller(generator.Denoiser, tokenizer, promptIds, vocabulary, settings);
    }

    /// <summary>What filling has cost so far.</summary>
    public ScaffoldCosts Costs => new(forwardPasses, sequencePasses, (int)transfers.Reads);

    /// <inheritdoc />
    public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken) =>
        OpeningScoring.ChooseWith(tokenizer, prompt, written, openings, cancellationToken, rows => ScoreOpenings(rows, openings.Count));

    /// <summary>One batched call scoring every (opening, token) row; the index of the best opening.</summary>
    private int ScoreOpenings(List<OpeningScoring.ScoredToken> rows, int openingCount)
    {
        using var scope = NewDisposeScope();
        var logits = FirstBlockScores(rows.Select(r => (IReadOnlyList<int>)r.Context).ToList()); // [R, 1, V]
        return OpeningScoring.Choose(logits, new long[rows.Count], rows, openingCount, transfers);
    }

    /// <summary>
    /// The model's most likely first token of the answer, from one pass at full noise: how the scaffolding middleware
    /// learns whether the model, left free, would open a tool call.
    /// </summary>
    /// <param name="cancellationToken">Checked before the pass.</param>
    /// <returns>The token id.</returns>
    internal int MostLikelyFirstToken(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var scope = NewDisposeScope();
        var logits = FirstBlockScores([prompt])[0, 0]; // [V]
        return (int)transfers.ReadInt64(logits.argmax().unsqueeze(0))[0];
    }

    /// <inheritdoc />
    public string FillString(string written, StringSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var value = new List<int>();
        while (value.Count < slot.MaxTokens)
        {
            var block = NextBlock(written, value, slot.MaxTokens, masks.String, cancellationToken);
            if (block.Length == 0)
            {
                break;
            }

            var text = tokenizer.Decode([.. value, .. block]);
            int quote = SlotVocabulary.ClosingQuote(text);
            if (quote >= 0)
            {
                return text[..quote];
            }

            value.AddRange(block);
        }

        return tokenizer.Decode(value); // the budget ends the value; the writer escapes whatever it holds
    }

    /// <inheritdoc />
    public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(slot);
        var value = new List<int>();
        var state = NumberState.Start;
        var text = new System.Text.StringBuilder();
        while (value.Count < slot.MaxTokens)
        {
            var block = NextBlock(written, value, slot.MaxTokens, masks.AnyNumber, cancellationToken);
            if (block.Length == 0)
            {
                break;
            }

            foreach (int token in block)
            {
                // The block was drawn from number pieces only; the grammar keeps the longest valid prefix of them.
                var kind = vocabulary.NumberClass(token);
                if (kind == NumberTokenClass.End || (NumberGrammar.Allowed(state, slot.Integer) & kind) == 0)
                {
                    return text.ToString();
                }

                value.Add(token);
                text.Append(vocabulary.Text(token));
                state = NumberGrammar.Next(state, kind);
            }
        }

        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        masks.Dispose();
    }

    /// <summary>
    /// Denoises the next value tokens after the laid-out text and the value so far (T passes, one read), drawn only from
    /// <paramref name="allowed"/>, and returns them; empty when neither the budget nor the model's positions leave room.
    /// </summary>
    /// <remarks>
    /// Blocks follow the answer's grid of block-length blocks from its first token, as training laid them out: the
    /// block holding the next value position keeps its already written tokens fixed (held at their noised simplex every
    /// step, as infilling does) and fills the rest, so the model sees a block where it was trained to see one.
    /// </remarks>
    private int[] NextBlock(string written, List<int> value, int budget, Tensor allowed, CancellationToken cancellationToken)
    {
        var answer = new List<int>([.. tokenizer.Encode(written), .. value]);
        int gridStart = answer.Count - (answer.Count % options.BlockLength);
        int known = answer.Count - gridStart;
        int blanks = Math.Min(options.BlockLength - known, Math.Min(budget - value.Count, denoiser.MaxSequenceLength - prompt.Length - answer.Count));
        if (blanks < 1)
        {
            return [];
        }

        var context = new List<int>([.. prompt, .. answer.Take(gridStart)]);
        var block = answer.Skip(gridStart).Select(id => (int?)id).Concat(Enumerable.Repeat<int?>(null, blanks)).ToList();
        var sampler = new SimplexSampler(denoiser, options with { BlockLength = block.Count }, transfers);
        // One noise stream per block, derived from the seed and the block's place in the request: reproducible, and
        // the blocks of one answer do not replay the same draws.
        using var noise = new GeneratorNoiseSource(denoiser.Device, [unchecked((ulong)(seed + blocksFilled++))]);
        var filled = sampler.FillBlock(context, block, noise, cancellationToken, allowed);
        forwardPasses += options.Steps;
        sequencePasses += options.Steps;
        return filled[known..];
    }

    /// <summary>
    /// Scores [R, 1, V] of each context's first block position at full noise (t = T, the uniform simplex point): the
    /// model's next-token prediction after that context. One pass over all rows (left-padded).
    /// </summary>
    private Tensor FirstBlockScores(IReadOnlyList<IReadOnlyList<int>> contexts)
    {
        using var noGrad = no_grad();
        using var context = BlockContext.FromPrompts(contexts, denoiser.PadTokenId, denoiser.Device, transfers);
        int rows = contexts.Count;
        using var simplex = zeros(rows, 1, denoiser.VocabSize, denoiser.DType, denoiser.Device);
        using var timesteps = HeldScalars.Filled([rows], (double)options.Steps, ScalarType.Float32, denoiser.Device);
        using var attentionMask = context.AttentionMaskWithBlock(1);
        var scores = denoiser.EquivalentScore(context.Ids, simplex, timesteps, options.Steps, attentionMask);
        forwardPasses++;
        sequencePasses += rows;
        return scores;
    }
}
