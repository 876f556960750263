using DiffusionChat.Models;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Block diffusion for a block-causal masked denoiser (BD3-LM, Arriola et al. 2025; the decoding of Fast-dLLM v2 and
/// SDAR; LLaDA with <c>block_size</c>): the answer grows block by block, left to right; each denoising step computes only
/// the current block against an exact key/value cache of everything before it, predicts its masked positions, selects
/// some (LLaDA's low-confidence schedule, or Fast-dLLM's confidence threshold) and commits them.
/// </summary>
/// <remarks>
/// <para>
/// Blocks are aligned to the rows' positions (multiples of <see cref="MaskedSamplerOptions.BlockLength"/> counted from
/// the first prompt token), as the model's attention blocks are; the block holding the end of a prompt keeps those
/// prompt tokens and decodes the rest. Positions after the current block are never materialised, so an answer does not
/// depend on the answer length it was given, only on where it is cut. The complete prompt blocks and each finished
/// block enter the cache in the first pass of the next block (one pass over both), so a block costs its steps and no
/// extra pass. With a fixed schedule a block of masks takes <c>min(steps, block length)</c> passes, and the block a
/// prompt ends in steps in proportion to its masks (<see cref="BlockSchedule"/>).
/// </para>
/// <para>
/// Rows of different lengths are padded by whole blocks so that one window of columns serves them all. A row ends
/// after the block in which it commits its end-of-sequence or stop id, reaches the answer length, or its caller asks it
/// to stop (<see cref="MaskedGenerationRequest.StopRequested"/>); it then leaves the batch and costs no further pass.
/// Random draws come from one generator per row that advances only in the steps where the row has masks to decode,
/// so with a fixed schedule a row samples what it samples alone.
/// </para>
/// <para>
/// Host reads: one per block with a fixed schedule (the finished block, for streaming and stop ids), one per step with
/// a threshold; all through the sampler's <see cref="DeviceTransfers"/> gate. Thread-safe: the sampler holds no
/// per-request state; the model is only read.
/// </para>
/// </remarks>
public sealed class BlockCausalSampler
{
    private readonly IMaskedDenoiser model;
    private readonly DeviceTransfers transfers;
    private readonly int attentionBlock;

    /// <summary>Creates a sampler over <paramref name="model"/> (not owned).</summary>
    /// <param name="model">A block-causal denoiser (<see cref="IMaskedDenoiser.AttentionBlockSize"/> set) with a key/value cache.</param>
    /// <param name="transfers">The gate every host read and upload goes through (a new one when null).</param>
    /// <exception cref="ArgumentException">The model attends in both directions or has no key/value cache.</exception>
    public BlockCausalSampler(IMaskedDenoiser model, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.AttentionBlockSize is not { } block || !model.SupportsKeyValueCache)
        {
            throw new ArgumentException("BlockCausalSampler needs a block-causal denoiser with a key/value cache (e.g. LLaDA with block_size); sample bidirectional models with MaskedDiffusionSampler.", nameof(model));
        }

        this.model = model;
        this.transfers = transfers ?? new DeviceTransfers();
        attentionBlock = block;
    }

    /// <summary>Generates an answer for every prompt of the request.</summary>
    /// <param name="request">
    /// Prompts, options and seed (validated here; not modified). <see cref="MaskedSamplerOptions.AnswerLength"/> is each
    /// row's most answer tokens (any positive number); <see cref="MaskedSamplerOptions.Cache"/> must stay
    /// <see cref="KeyValueCacheMode.None"/> (this sampler's cache is exact).
    /// </param>
    /// <param name="onCommitted">Optional callback for every finished block of every running row, on the sampling thread.</param>
    /// <param name="onStep">Optional callback for every step's commits (only with <see cref="MaskedSamplerOptions.ReportSteps"/>).</param>
    /// <param name="cancellationToken">Checked before every denoiser call.</param>
    /// <returns>The answers, finish reasons and forward passes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or a prompt is null.</exception>
    /// <exception cref="ArgumentException">A prompt is empty or holds an id outside the vocabulary or the mask id, or a Fast-dLLM cache was asked for.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between passes.</exception>
    public Task<MaskedGenerationResult> GenerateAsync(MaskedGenerationRequest request, Action<TokensCommitted>? onCommitted = null, Action<StepCommittedEvent>? onStep = null, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return Task.Run(() => Generate(request, onCommitted, onStep, cancellationToken), cancellationToken);
    }

    /// <summary>The synchronous core (the generator calls it on its generation thread).</summary>
    internal MaskedGenerationResult Generate(MaskedGenerationRequest request, Action<TokensCommitted>? onCommitted, Action<StepCommittedEvent>? onStep, CancellationToken cancellationToken)
    {
        Validate(request);
        var options = request.Options;
        if (options.DraftAndVerify && options.Temperature == 0)
        {
            return new DraftAndVerify(model, transfers, attentionBlock).Generate(request, onCommitted, onStep, cancellationToken);
        }

        int rows = request.Prompts.Count, blockLength = options.BlockLength;
        long mask = model.MaskTokenId;
        var answers = new BlockAnswers(request, model);
        int forwardPasses = 0;

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var noise = new RowNoise(request.RowSeeds ?? Enumerable.Range(0, rows).Select(r => request.Seed + (ulong)r).ToList(), model.Device);
        int span = LeastCommonMultiple(blockLength, attentionBlock);
        using var canvas = BlockCausalCanvas.Create(request.Prompts, span, mask, model.EosTokenId ?? 0, model.Device, transfers);
        using var cache = new KeyValueCache();
        var running = Enumerable.Range(0, rows).ToList(); // original row of each canvas row

        // Block by block, left to right, from the first block that holds a mask.
        for (int start = canvas.AnswerStarts.Min() / blockLength * blockLength; running.Count > 0; start += blockLength)
        {
            int end = start + blockLength;
            var masked = canvas.AnswerStarts.Select(a => Math.Max(0, end - Math.Max(start, a))).ToArray();
            if (masked.All(m => m == 0))
            {
                continue;
            }

            // The window: the attention blocks around this block (it is one of them, or inside one); what lies before
            // them and is not cached yet joins the cache in the block's first pass.
            int windowEnd = CeilingTo(end, attentionBlock), cacheTo = start / attentionBlock * attentionBlock;
            canvas.GrowTo(windowEnd);
            using var blockScope = NewDisposeScope();
            var (keyMask, positions) = canvas.Columns(windowEnd);
            var schedule = BlockSchedule.Create(masked, options.StepsPerBlock, blockLength);
            var counts = options.ConfidenceThreshold is null ? transfers.Upload(schedule.Counts, [running.Count, schedule.Steps], model.Device) : null;
            long[]? blockTokens = null;
            for (int step = 0; ; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = NewDisposeScope();

                // Predict: a token, its probability and a remasking score for every position of the block.
                int windowStart = (int)cache.Length;
                var logits = model.ForwardAppending(canvas.Ids[.., windowStart..windowEnd], cache, keyMask, positions,
                    append: Math.Max(0, cacheTo - windowStart), logitsFor: (start - windowStart)..(end - windowStart));
                forwardPasses++;
                noise.Idle = counts is null ? masked.Select(m => m == 0).ToArray() : schedule.IdleAt(step);
                var (tokens, probability, score) = TokenPrediction.Predict(logits, mask, options, noise);

                // Select: which masked positions this step commits.
                var current = canvas.Ids[.., start..end];
                var candidates = current.IsEqualTo(mask);
                var transfer = counts is null
                    ? TransferSelection.Select(score, probability, candidates, 0, options.ConfidenceThreshold)
                    : TransferSelection.SelectPerRow(score, candidates, counts[.., step..(step + 1)]);

                // Commit.
                var updated = where(transfer, tokens, current);
                canvas.Ids.index_put_(updated, TensorIndex.Colon, TensorIndex.Slice(start, end));
                if (options.ReportSteps && onStep is not null)
                {
                    ReportStep(onStep, transfer, updated, start, step, running, canvas.AnswerStarts, answers);
                }

                // A fixed schedule ends after its steps; threshold decoding when no row has a mask left in the block.
                if (counts is not null)
                {
                    if (step + 1 >= schedule.Steps)
                    {
                        break;
                    }
                }
                else
                {
                    blockTokens = transfers.ReadInt64(updated);
                    masked = Enumerable.Range(0, running.Count).Select(r => blockTokens.AsSpan(r * blockLength, blockLength).Count(mask)).ToArray();
                    if (masked.All(m => m == 0))
                    {
                        break;
                    }
                }
            }

            noise.Idle = null;
            blockTokens ??= transfers.ReadInt64(canvas.Ids[.., start..end]);
            var ended = answers.Finish(blockTokens, start, blockLength, running, canvas.AnswerStarts, onCommitted);
            if (ended.Count > 0)
            {
                // Finished rows leave the canvas, the cache and the draws: they cost nothing from here on.
                var keep = Enumerable.Range(0, running.Count).Where(r => !ended.Contains(r)).ToList();
                running = keep.Select(r => running[r]).ToList();
                if (running.Count > 0)
                {
                    using var index = transfers.Upload(keep.Select(r => (long)r).ToArray(), [keep.Count], model.Device);
                    canvas.KeepRows(keep, index);
                    cache.KeepRows(index);
                    noise.Retain(keep);
                }
            }
        }

        return answers.Result(forwardPasses);
    }

    private void ReportStep(Action<StepCommittedEvent> onStep, Tensor transfer, Tensor updated, int start, int step, List<int> running, int[] answerStarts, BlockAnswers answers)
    {
        using var packed = stack([transfer.to(int64), updated], 0);
        var values = transfers.ReadInt64(packed);
        int blockLength = (int)transfer.shape[1], plane = running.Count * blockLength;
        for (int r = 0; r < running.Count; r++)
        {
            var positions = new List<int>();
            var tokens = new List<int>();
            for (int j = 0; j < blockLength; j++)
            {
                if (values[(r * blockLength) + j] != 0)
                {
                    positions.Add(start + j - answerStarts[r]);
                    tokens.Add((int)values[plane + (r * blockLength) + j]);
                }
            }

            if (positions.Count > 0)
            {
                onStep(new StepCommittedEvent(running[r], answers.BlocksCommitted(running[r]), step, positions, tokens));
            }
        }
    }

    private static int CeilingTo(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static int LeastCommonMultiple(int a, int b)
    {
        int x = a, y = b;
        while (y != 0)
        {
            (x, y) = (y, x % y);
        }

        return a / x * b;
    }

    private void Validate(MaskedGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompts, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Options, nameof(request));
        request.Options.Validate(wholeBlocks: false);
        PromptCheck.Rows(request.Prompts, model.VocabSize, allowEmpty: false, model.MaskTokenId, "the mask token", nameof(request));
        if (request.RowSeeds is { } seeds && seeds.Count != request.Prompts.Count)
        {
            throw new ArgumentException($"The request has {request.Prompts.Count} prompts but {seeds.Count} row seeds; give one seed per row or none.", nameof(request));
        }

        if (request.Options.Cache != KeyValueCacheMode.None)
        {
            throw new ArgumentException($"Cache {request.Options.Cache} is Fast-dLLM's approximate cache for bidirectional models; the block-causal sampler keeps an exact cache of finished blocks, so leave Cache at None (or sample with MaskedDiffusionSampler).", nameof(request));
        }
    }
}
