using DiffusionChat.Models.Simplex;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// SSD-LM decoding (Han et al. 2023, Alg. 2; reference <c>decode()</c> in xhan77/ssd-lm <c>ssd_model_decode.py</c>):
/// block by block, start from K * N(0, I) simplex logits, run T denoising steps (predict logits, project them to
/// +-K, re-noise to the previous step of the cosine schedule), take the argmax of the last prediction and append the
/// block to the context of the next block. A self-conditioned denoiser (<see cref="ISelfConditionedSimplexDenoiser"/>)
/// also gets the previous step's prediction at every step but a block's first.
/// </summary>
/// <remarks>
/// Prompts of different lengths are left-padded into one batch with an attention mask; a row decodes the same alone
/// or in a batch (given the same noise per row, see <see cref="GeneratorNoiseSource"/>). Everything stays on the
/// model's device; the only device-to-host copy is one read of each block's token ids (through the sampler's
/// <see cref="DeviceTransfers"/> gate, which counts it). Rows that met the end-of-sequence token keep being computed with the batch until every
/// row is done (so their noise stream and batch shape stay unchanged), but nothing more is reported for them.
/// Thread-safe: calls share only the read-only model.
/// </remarks>
public sealed class SimplexSampler
{
    private readonly ISimplexDenoiser denoiser;
    private readonly CosineAlphaBarSchedule schedule;
    private readonly DeviceTransfers transfers;
    private readonly ISelfConditionedSimplexDenoiser? selfConditioned;

    /// <summary>Creates a sampler over a loaded denoiser.</summary>
    /// <param name="denoiser">The denoiser (the released SSD-LM layout or our LLaMA-style one).</param>
    /// <param name="options">Decoding settings; validated here.</param>
    /// <param name="transfers">The gate every host read and upload goes through (a new one when null).</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An option is out of range, the end-of-sequence id is outside the vocabulary, or one block does not fit the
    /// model's positions.
    /// </exception>
    public SimplexSampler(ISimplexDenoiser denoiser, SimplexSamplerOptions options, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.EndOfSequenceTokenId is { } eos && eos >= denoiser.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), eos, $"EndOfSequenceTokenId {eos} is outside the vocabulary (0..{denoiser.VocabSize - 1}).");
        }

        if (options.BlockLength > denoiser.MaxSequenceLength)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BlockLength,
                $"BlockLength {options.BlockLength} exceeds the model's {denoiser.MaxSequenceLength} positions.");
        }

        this.denoiser = denoiser;
        selfConditioned = denoiser is ISelfConditionedSimplexDenoiser { SelfConditioning: true } conditioned ? conditioned : null;
        Options = options;
        schedule = new CosineAlphaBarSchedule(options.Steps);
        this.transfers = transfers ?? new DeviceTransfers();
    }

    /// <summary>The validated settings.</summary>
    public SimplexSamplerOptions Options { get; }

    /// <summary>Decodes a continuation for every prompt.</summary>
    /// <param name="prompts">Token ids per row (each may be empty); ids must be in the vocabulary.</param>
    /// <param name="noise">The randomness (seeded or replayed) for exactly <c>prompts.Count</c> rows.</param>
    /// <param name="onBlockCommitted">Called after each block for every row still running, in row order.</param>
    /// <param name="cancellationToken">Checked before every denoising step.</param>
    /// <returns>Per row: the new tokens (cut at end-of-sequence) and whether it stopped there.</returns>
    /// <exception cref="ArgumentException">
    /// No prompts, a token id outside the vocabulary, or (under <see cref="SimplexContextOverflow.Reject"/>) prompt plus
    /// blocks longer than the model's positions.
    /// </exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public SimplexGeneration Generate(
        IReadOnlyList<IReadOnlyList<int>> prompts,
        INoiseSource noise,
        Action<TokensCommitted>? onBlockCommitted = null,
        CancellationToken cancellationToken = default) =>
        Generate(prompts, noise, onBlockCommitted, observer: null, cancellationToken);

    /// <inheritdoc cref="Generate(IReadOnlyList{IReadOnlyList{int}}, INoiseSource, Action{TokensCommitted}?, CancellationToken)"/>
    internal SimplexGeneration Generate(
        IReadOnlyList<IReadOnlyList<int>> prompts,
        INoiseSource noise,
        Action<TokensCommitted>? onBlockCommitted,
        ISimplexStepObserver? observer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(noise);
        ValidatePrompts(prompts);
        cancellationToken.ThrowIfCancellationRequested();

        int rows = prompts.Count;
        var tokens = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var finished = new bool[rows];
        int blocks = 0;

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var context = BlockContext.FromPrompts(prompts, denoiser.PadTokenId, denoiser.Device, transfers);
        while (blocks < Options.MaxBlocks && finished.Contains(false))
        {
            if (Options.ContextOverflow == SimplexContextOverflow.DropOldest)
            {
                context.KeepLatest(denoiser.MaxSequenceLength - Options.BlockLength);
            }

            using var blockIds = DecodeBlock(blocks, context, noise, observer, cancellationToken);
            var hostIds = ReadBlockToHost(blockIds);
            context.Append(blockIds);
            Commit(blocks, hostIds, tokens, finished, onBlockCommitted);
            blocks++;
        }

        var results = tokens.Select((t, row) => new SimplexRowResult(t, finished[row])).ToList();
        return new SimplexGeneration(results, blocks);
    }

    /// <summary>
    /// Fills the blank positions of one block after <paramref name="context"/> (one row): the same T steps as a generated
    /// block, except that before every step the known positions are reset to their clean simplex noised to that step's
    /// level, which is how training showed the model a block (RePaint-style inpainting, Lugmayr et al. 2022), so the
    /// blanks are denoised seeing the text on both sides. Blanks take the last prediction's argmax; known positions keep
    /// their ids. One host read.
    /// </summary>
    /// <param name="context">Clean ids before the block (may be empty; checked by the caller).</param>
    /// <param name="block"><see cref="SimplexSamplerOptions.BlockLength"/> entries: a fixed id, or null at a blank.</param>
    /// <param name="noise">Randomness for one row.</param>
    /// <param name="cancellationToken">Checked before every step.</param>
    /// <param name="allowedTokens">Optional [V] bool on the model's device: only these ids may fill a blank.</param>
    /// <returns>The block with every blank filled.</returns>
    internal int[] FillBlock(IReadOnlyList<int> context, IReadOnlyList<int?> block, INoiseSource noise, CancellationToken cancellationToken, Tensor? allowedTokens = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(noise);
        if (block.Count != Options.BlockLength)
        {
            throw new ArgumentException($"The block has {block.Count} positions but the sampler decodes blocks of {Options.BlockLength}.", nameof(block));
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var rowContext = BlockContext.FromPrompts([context], denoiser.PadTokenId, denoiser.Device, transfers);
        var ids = transfers.Upload(block.Select(id => (long)(id ?? 0)).ToArray(), [1, block.Count], denoiser.Device);
        var isKnown = transfers.Upload(block.Select(id => id is not null).ToArray(), [1, block.Count], denoiser.Device).unsqueeze(-1); // [1, L, 1]
        var clean = LogitsProjection.TokenSimplex(ids, denoiser.VocabSize, Options.SimplexValue, denoiser.DType);
        using var filled = DecodeBlock(0, rowContext, noise, observer: null, cancellationToken, new KnownPositions(isKnown, clean), allowedTokens);
        var host = ReadBlockToHost(filled)[0];
        return block.Select((id, j) => id ?? (int)host[j]).ToArray();
    }

    /// <summary>One block: T denoising steps from pure noise, then the argmax of the last prediction [B, L].</summary>
    private Tensor DecodeBlock(int block, BlockContext context, INoiseSource noise, ISimplexStepObserver? observer, CancellationToken cancellationToken, KnownPositions? known = null, Tensor? allowedTokens = null)
    {
        using var scope = NewDisposeScope();
        int rows = (int)context.Ids.shape[0], length = Options.BlockLength, vocab = denoiser.VocabSize;
        double k = Options.SimplexValue, noiseScale = Options.NoiseScale * Options.SimplexValue;
        var device = denoiser.Device;

        var attentionMask = context.AttentionMaskWithBlock(length);
        var excludedTokens = allowedTokens?.logical_not(); // once per block, not per step
        var xt = Scaled(noise.NextNormal(rows, length, vocab, device), [rows, length, vocab], noiseScale);
        Tensor? lastScore = null;
        Tensor? previousScore = null; // self-conditioning only: the last step's prediction, none at a block's first step
        for (int t = Options.Steps; t >= 1; t--)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            if (known is { } fixedPart)
            {
                // x_t at known positions = sqrt(a_t) * clean + sqrt(1 - a_t) * K * eps: what training fed there at step t.
                var alphaBarNow = schedule.AlphaBar(t);
                var eps = Scaled(noise.NextNormal(rows, length, vocab, device), [rows, length, vocab], noiseScale);
                var noisedKnown = fixedPart.Clean.Times(Math.Sqrt(alphaBarNow)).Plus(eps.Times(Math.Sqrt(1 - alphaBarNow)));
                var reset = where(fixedPart.Mask, noisedKnown, xt);
                xt.Dispose();
                xt = reset.MoveToOuterDisposeScope();
            }

            // Drawn every step, also at t = 1 where it is multiplied by 0, to keep the reference's draw order.
            var zt = Scaled(noise.NextNormal(rows, length, vocab, device), [rows, length, vocab], noiseScale);
            var timesteps = HeldScalars.Filled([rows], (float)t, ScalarType.Float32, device);
            var score = selfConditioned is null
                ? denoiser.EquivalentScore(context.Ids, xt, timesteps, Options.Steps, attentionMask)
                : selfConditioned.EquivalentScore(context.Ids, xt, timesteps, Options.Steps, attentionMask, previousScore);
            if (excludedTokens is not null)
            {
                // A constrained fill (a scaffold's value slot): tokens outside the slot's vocabulary get no mass, so the
                // projection, the self-conditioning and the final argmax all stay inside it.
                score = score.FillMasked(excludedTokens, double.NegativeInfinity);
            }

            var projected = Project(score, noise, k);
            observer?.OnStep(block, t, score, projected);

            // Re-noise the projected (clean) estimate to the previous step: x_{t-1} = sqrt(a) * proj + sqrt(1 - a) * z.
            var alphaBar = schedule.AlphaBar(t - 1);
            var next = projected.Times(Math.Sqrt(alphaBar)).Plus(zt.Times(Math.Sqrt(1 - alphaBar)));
            xt.Dispose();
            xt = next.MoveToOuterDisposeScope();
            if (t == 1)
            {
                lastScore = score.MoveToOuterDisposeScope();
            }
            else if (selfConditioned is not null)
            {
                previousScore?.Dispose();
                previousScore = score.MoveToOuterDisposeScope();
            }
        }

        return lastScore!.argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>The fixed part of a block being infilled: which positions are known ([B, L, 1]) and their clean simplex ([B, L, V]).</summary>
    private readonly record struct KnownPositions(Tensor Mask, Tensor Clean);

    private Tensor Project(Tensor score, INoiseSource noise, double k)
    {
        if (Options.Projection == SimplexProjection.TopPMultiHot)
        {
            return LogitsProjection.MultiHot(score, Options.TopP, k);
        }

        int rows = (int)score.shape[0], length = (int)score.shape[1];
        using var uniforms = CheckedDraw(noise.NextUniform(rows, length, denoiser.Device), [rows, length]);
        return LogitsProjection.SampledOneHot(score, Options.TopP, k, uniforms);
    }

    private Tensor Scaled(Tensor standardNormal, long[] shape, double scale)
    {
        using var draw = CheckedDraw(standardNormal, shape);
        return draw.to_type(denoiser.DType).Times(scale);
    }

    /// <summary>Guards against a custom <see cref="INoiseSource"/> whose draw would silently broadcast.</summary>
    private static Tensor CheckedDraw(Tensor draw, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(draw);
        if (!draw.shape.SequenceEqual(shape))
        {
            var got = string.Join(", ", draw.shape);
            draw.Dispose();
            throw new InvalidOperationException($"The noise source returned a [{got}] draw where [{string.Join(", ", shape)}] was requested.");
        }

        return draw;
    }

    /// <summary>The single device-to-host transfer of a block: its token ids [B, L].</summary>
    private long[][] ReadBlockToHost(Tensor blockIds)
    {
        var flat = transfers.ReadInt64(blockIds);
        int length = (int)blockIds.shape[1];
        return Enumerable.Range(0, (int)blockIds.shape[0]).Select(r => flat.AsSpan(r * length, length).ToArray()).ToArray();
    }

    private void Commit(int block, long[][] hostIds, List<int>[] tokens, bool[] finished, Action<TokensCommitted>? onBlockCommitted)
    {
        for (int row = 0; row < hostIds.Length; row++)
        {
            if (finished[row])
            {
                continue;
            }

            var ids = hostIds[row].Select(id => (int)id).ToList();
            var eosAt = Options.EndOfSequenceTokenId is { } eos ? ids.IndexOf(eos) : -1;
            if (eosAt >= 0)
            {
                ids.RemoveRange(eosAt, ids.Count - eosAt);
                finished[row] = true;
            }

            tokens[row].AddRange(ids);
            onBlockCommitted?.Invoke(new TokensCommitted(row, block, ids, eosAt >= 0));
        }
    }

    private void ValidatePrompts(IReadOnlyList<IReadOnlyList<int>> prompts)
    {
        PromptCheck.Rows(prompts, denoiser.VocabSize, allowEmpty: true, reserved: null, reservedName: null, nameof(prompts));

        if (Options.ContextOverflow == SimplexContextOverflow.DropOldest)
        {
            return;
        }

        int longest = prompts.Max(p => p.Count);
        long needed = (long)longest + (long)Options.MaxBlocks * Options.BlockLength;
        if (needed > denoiser.MaxSequenceLength)
        {
            throw new ArgumentException(
                $"The longest prompt ({longest} tokens) plus MaxBlocks * BlockLength ({Options.MaxBlocks} * {Options.BlockLength}) needs {needed} positions; " +
                $"the model has {denoiser.MaxSequenceLength}. Shorten the prompt, lower MaxBlocks or set ContextOverflow = DropOldest.", nameof(prompts));
        }
    }
}
