using DiffusionChat.Models;
using DiffusionChat.Models.Sdar;
using DiffusionChat.Sampling.Categorical;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Sdar;

/// <summary>
/// SDAR's <c>block_diffusion_generate</c> (JetAstra/SDAR <c>generate.py</c>): the answer is decoded block by block,
/// left to right; within a block, each denoising step draws a token for every position from the block's logits (the
/// finished blocks are read from the key/value cache) and commits some masked positions
/// (<see cref="BlockDiffusionOptions.Remasking"/>); a finished block's keys/values enter the cache from one more pass
/// over its final tokens.
/// </summary>
/// <remarks>
/// <para>
/// Positions count from the prompt's first token and blocks are aligned to them, so the complete blocks of the prompt
/// are prefilled into the cache (block-causal) and a partial last prompt block is decoded as the first block, its
/// prompt tokens kept. Token choice: logits / temperature, top-k, then top-p (removed logits get -inf), softmax, one
/// draw per position (the most probable token at temperature 0, our extension).
/// </para>
/// <para>
/// Host reads: a static or sequential schedule reads each block once when it is finished (streaming and stop ids);
/// the dynamic threshold reads one number per step, since how many positions it commits depends on the data. Each row
/// is decoded on its own, as in the reference (batch 1). Every read and upload goes through the sampler's
/// <see cref="DeviceTransfers"/> gate, which counts them. Thread-safe: each call has its own cache; the model is only read.
/// </para>
/// </remarks>
public sealed class BlockDiffusionSampler
{
    private readonly SdarDenoiser model;
    private readonly DeviceTransfers transfers;

    /// <summary>Creates a sampler over <paramref name="model"/> (not owned).</summary>
    /// <param name="model">The block diffusion model.</param>
    /// <param name="transfers">The gate every host read and upload goes through (a new one when null).</param>
    public BlockDiffusionSampler(SdarDenoiser model, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.transfers = transfers ?? new DeviceTransfers();
    }

    /// <summary>Generates an answer for every prompt of the request.</summary>
    /// <param name="request">Prompts, options and seed (validated; not modified).</param>
    /// <param name="onBlock">Optional callback for every finished block (on the sampling thread).</param>
    /// <param name="cancellationToken">Checked before every model call.</param>
    /// <returns>The answers.</returns>
    /// <exception cref="ArgumentException">A prompt is empty or holds an id outside the vocabulary or the mask id.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between model calls.</exception>
    public Task<BlockDiffusionResult> GenerateAsync(BlockDiffusionRequest request, Action<TokensCommitted>? onBlock = null, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return Task.Run(() => Generate(request, row => new GeneratorDraws(request.Seed + (ulong)row, model.Device), onBlock, null, cancellationToken), cancellationToken);
    }

    /// <summary>The synchronous core: <paramref name="drawsFor"/> gives each row's draws, <paramref name="trace"/> sees every model call.</summary>
    internal BlockDiffusionResult Generate(BlockDiffusionRequest request, Func<int, ICategoricalDraws> drawsFor, Action<TokensCommitted>? onBlock, Action<BlockDiffusionCall>? trace, CancellationToken cancellationToken)
    {
        Validate(request);
        var answers = new List<IReadOnlyList<int>>();
        var stopped = new List<bool>();
        int calls = 0;
        for (int row = 0; row < request.Prompts.Count; row++)
        {
            var draws = drawsFor(row);
            try
            {
                var (answer, stop) = GenerateRow(row, request.Prompts[row], request.Options, draws, onBlock, trace, ref calls, cancellationToken);
                answers.Add(answer);
                stopped.Add(stop);
            }
            finally
            {
                (draws as IDisposable)?.Dispose();
            }
        }

        return new BlockDiffusionResult(answers, stopped, calls);
    }

    private (List<int> Answer, bool Stopped) GenerateRow(int row, IReadOnlyList<int> prompt, BlockDiffusionOptions options, ICategoricalDraws draws, Action<TokensCommitted>? onBlock, Action<BlockDiffusionCall>? trace, ref int calls, CancellationToken cancellationToken)
    {
        int blockLength = options.BlockLength ?? model.BlockSize, promptLength = prompt.Count;
        int blocks = (promptLength + options.GenLength + blockLength - 1) / blockLength;
        int prefillBlocks = promptLength / blockLength;
        var schedule = TransferSchedule.Linear(blockLength, options.DenoisingSteps);
        var stopIds = options.StopTokenIds.ToHashSet();
        var answer = new List<int>();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var cache = new KeyValueCache(model.Config.Layers);
        var positions = HeldScalars.Range(0, (long)blocks * blockLength, ScalarType.Int64, model.Device).unsqueeze(0);
        if (prefillBlocks > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long end = (long)prefillBlocks * blockLength;
            var ids = transfers.Upload(prompt.Take((int)end).Select(t => (long)t).ToArray(), [1, end], model.Device);
            model.Forward(ids, positions[.., ..(int)end], SdarDenoiser.BlockCausalMask(end, blockLength, model.Device), cache, store: true).Dispose();
            calls++;
            trace?.Invoke(new BlockDiffusionCall(row, BlockDiffusionCallKind.Prefill, -1, -1, 0, end, 0, null));
        }

        for (int block = prefillBlocks; block < blocks; block++)
        {
            using var blockScope = NewDisposeScope();
            int start = block * blockLength, promptHere = Math.Max(0, Math.Min(promptLength - start, blockLength));
            var initial = Enumerable.Range(start, blockLength).Select(p => p < promptLength ? prompt[p] : model.MaskTokenId).ToArray();
            var current = transfers.Upload(initial, [1, blockLength], model.Device);
            var blockPositions = positions[.., start..(start + blockLength)];
            int masked = blockLength - promptHere;
            for (int step = 0; step <= options.DenoisingSteps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long past = cache.Length;
                if (masked == 0)
                {
                    // The cache gets the finished block's keys/values from its final tokens, not from the last step.
                    model.Forward(current, blockPositions, null, cache, store: true).Dispose();
                    calls++;
                    trace?.Invoke(new BlockDiffusionCall(row, BlockDiffusionCallKind.Store, block, -1, start, start + blockLength, past, null));
                    break;
                }

                using var stepScope = NewDisposeScope();
                // Every key of the cache and the block is visible (the reference's all-ones mask).
                var logits = model.Forward(current, blockPositions, null, cache, store: false)[0]; // [BL, V]
                calls++;
                var (tokens, probability) = Sample(logits, options, draws);
                var candidates = current[0].IsEqualTo(model.MaskTokenId);
                var confidence = probability.FillMasked(candidates.logical_not(), double.NegativeInfinity);
                int count = schedule[step];
                var transfer = Transfer(options, confidence, count, blockLength - masked, blockLength);
                var next = where(transfer, tokens, current[0]).unsqueeze(0);
                if (options.Remasking == SdarRemasking.LowConfidenceDynamic)
                {
                    masked = (int)transfers.ReadInt64(next.IsEqualTo(model.MaskTokenId).sum())[0];
                }
                else
                {
                    // Top-k takes every masked position before any -inf one, so min(count, masked) masks are filled.
                    masked -= Math.Min(count, masked);
                }

                trace?.Invoke(new BlockDiffusionCall(row, BlockDiffusionCallKind.Denoise, block, step, start, start + blockLength, past,
                    new BlockDiffusionStep(current[0], logits, tokens, probability, confidence, count, transfer, next[0])));
                current = next.MoveToOuterDisposeScope();
            }

            var finished = transfers.ReadInt64(current);
            var generated = finished.Skip(promptHere).Select(t => (int)t).ToList();
            answer.AddRange(generated);
            bool stop = generated.Any(stopIds.Contains);
            onBlock?.Invoke(new TokensCommitted(row, block, generated, stop));
            if (stop)
            {
                return (answer, true);
            }
        }

        return (answer, false);
    }

    /// <summary>Temperature, top-k, top-p (the reference's order), then a token per position and its probability.</summary>
    private static (Tensor Tokens, Tensor Probability) Sample(Tensor logits, BlockDiffusionOptions options, ICategoricalDraws draws)
    {
        var l = logits.to(ScalarType.Float32);
        if (options.Temperature > 0 && options.Temperature != 1.0)
        {
            l = l.DividedBy(options.Temperature);
        }

        if (options.TopK > 0)
        {
            l = TopK.Filter(l, options.TopK);
        }

        if (options.TopP < 1.0)
        {
            l = Nucleus.Filter(l, options.TopP);
        }

        var probabilities = l.softmax(-1);
        var tokens = options.Temperature > 0 ? draws.Tokens(probabilities) : probabilities.argmax(-1);
        return (tokens, probabilities.gather(-1, tokens.unsqueeze(-1)).squeeze(-1));
    }

    /// <summary>The positions a step commits, bool [BL].</summary>
    /// <param name="options">The strategy and threshold.</param>
    /// <param name="confidence">Probability of the drawn token at masked positions, -inf elsewhere.</param>
    /// <param name="count">The scheduled count.</param>
    /// <param name="firstMasked">Index of the first masked position (masks are contiguous at the block's end in sequential mode).</param>
    /// <param name="blockLength">Block length.</param>
    private static Tensor Transfer(BlockDiffusionOptions options, Tensor confidence, int count, int firstMasked, int blockLength)
    {
        var none = zeros(blockLength, dtype: ScalarType.Bool, device: confidence.device);
        if (options.Remasking == SdarRemasking.Sequential)
        {
            var index = HeldScalars.Range(0, blockLength, ScalarType.Int64, confidence.device);
            return index.IsAtLeast(firstMasked).logical_and(index.IsLessThan(firstMasked + count));
        }

        var chosen = count == 0 ? null : confidence.topk(count).indexes;
        var mostConfident = chosen is null ? none : none.scatter(0, chosen, ones_like(chosen, dtype: ScalarType.Bool));
        if (options.Remasking == SdarRemasking.LowConfidenceStatic)
        {
            return mostConfident;
        }

        // Dynamic: the confident ones when there are at least count of them, else the count most confident.
        var confident = confidence.IsGreaterThan(options.ConfidenceThreshold);
        using var enough = confident.sum().IsAtLeast(count);
        return where(enough, confident, mostConfident);
    }

    private void Validate(BlockDiffusionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompts, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Options, nameof(request));
        request.Options.Validate();
        PromptCheck.Rows(request.Prompts, model.VocabSize, allowEmpty: false, model.MaskTokenId, "the mask token", nameof(request));
    }
}
