using DiffusionChat.Models;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Block-wise ("semi-autoregressive") masked-diffusion sampling for any <see cref="IMaskedDenoiser"/>, after LLaDA
/// (Nie et al. 2025, "Large Language Diffusion Models"; ML-GSAI/LLaDA <c>generate.py</c> <c>generate</c>) with
/// Fast-dLLM v1's threshold decoding and key/value caches (NVlabs/Fast-dLLM <c>llada/generate.py</c>).
/// </summary>
/// <remarks>
/// <para>
/// The answer starts fully masked and is produced block by block, left to right. Within a block each step predicts
/// every masked position, ranks the predictions with the <see cref="RemaskingStrategy"/>, and commits the
/// <see cref="TransferSchedule"/>'s share (or, with a threshold, every confident one); the rest stay masked.
/// Ranking ties go to the lowest position. The mask token is never predicted.
/// </para>
/// <para>
/// Rows of a batch are left-padded to a common prompt length (padding hidden by an attention mask, positions counted
/// without it) and finish independently: a row stops after the block in which it commits the end-of-sequence token.
/// Random draws come from one generator per row on the model's device, seeded by <see cref="MaskedGenerationRequest.RowSeeds"/>
/// (or the request seed plus the row index), so with a fixed schedule a row's answer does not depend on its batch.
/// </para>
/// <para>
/// The sampler stays on the device: a fixed schedule reads the block's tokens back once per block; threshold
/// decoding reads the block once per step (its step count depends on the data). Every read and upload goes through
/// the sampler's <see cref="DeviceTransfers"/> gate, which counts them.
/// Thread-safe: the sampler holds no per-request state; the model is only read.
/// </para>
/// </remarks>
public sealed class MaskedDiffusionSampler
{
    private readonly IMaskedDenoiser model;
    private readonly DeviceTransfers transfers;

    /// <summary>Creates a sampler over <paramref name="model"/> (not owned).</summary>
    /// <param name="model">The denoiser.</param>
    /// <param name="transfers">The gate every host read and upload goes through (a new one when null).</param>
    public MaskedDiffusionSampler(IMaskedDenoiser model, DeviceTransfers? transfers = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        this.transfers = transfers ?? new DeviceTransfers();
    }

    /// <summary>Generates an answer for every prompt of the request.</summary>
    /// <param name="request">Prompts, options and seed (validated here; not modified).</param>
    /// <param name="onEvent">Optional progress callback, called on the sampling thread.</param>
    /// <param name="cancellationToken">Checked before every denoiser call.</param>
    /// <returns>The answers, finish reasons and call counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or a prompt is null.</exception>
    /// <exception cref="ArgumentException">A prompt is empty or holds an id outside the vocabulary or the mask id.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <exception cref="NotSupportedException">A cache was asked for but the model has none.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public Task<MaskedGenerationResult> GenerateAsync(MaskedGenerationRequest request, Action<MaskedSamplerEvent>? onEvent = null, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return Task.Run(() => Generate(request, onEvent, null, cancellationToken), cancellationToken);
    }

    /// <summary>The synchronous core; <paramref name="trace"/> sees every denoiser call (parity checks).</summary>
    internal MaskedGenerationResult Generate(MaskedGenerationRequest request, Action<MaskedSamplerEvent>? onEvent, Action<SamplerCallTrace>? trace, CancellationToken cancellationToken)
    {
        Validate(request);
        var options = request.Options;
        int rows = request.Prompts.Count, blockLength = options.BlockLength;
        long mask = model.MaskTokenId;
        var answers = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var reasons = Enumerable.Repeat(MaskedFinishReason.Length, rows).ToArray();
        var active = Enumerable.Repeat(true, rows).ToArray();
        int forwardPasses = 0;
        var stopIds = !options.StopAtEndOfSequence ? [] :
            options.AdditionalStopTokenIds.Select(id => (long)id).Concat(model.EosTokenId is { } eos ? [eos] : []).ToHashSet();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var noise = new RowNoise(request.RowSeeds ?? Enumerable.Range(0, rows).Select(r => request.Seed + (ulong)r).ToList(), model.Device);
        var batch = PaddedBatch.Create(request.Prompts, options.AnswerLength, mask, model.EosTokenId ?? 0, model.Device, transfers);
        var x = batch.Ids;
        long total = x.shape[1];
        var activeRows = ones(rows, 1, dtype: @bool, device: model.Device);

        for (int block = 0; block < options.BlockCount && active.Any(a => a); block++)
        {
            long start = batch.PromptLength + ((long)block * blockLength), end = start + blockLength;
            var schedule = TransferSchedule.Linear(blockLength, options.StepsPerBlock);
            long[]? blockTokens = null;
            KeyValueCache? cache = null;
            try
            {
                for (int inner = 0; ; inner++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var stepScope = NewDisposeScope();
                    var (kind, windowEnd, logits, blockLogits) = Call(x, batch, start, end, total, inner, options.Cache, fullLogits: trace is not null, ref cache);
                    forwardPasses++;

                    var current = x[.., (int)start..(int)end];
                    var candidates = current.IsEqualTo(mask).logical_and(activeRows);
                    var (tokens, probability, score) = TokenPrediction.Predict(blockLogits, mask, options, noise);
                    int count = inner < schedule.Length ? schedule[inner] : 0;
                    var transfer = TransferSelection.Select(score, probability, candidates, count, options.ConfidenceThreshold);
                    var updated = where(transfer, tokens, current);
                    x.index_put_(updated, TensorIndex.Colon, TensorIndex.Slice(start, end));
                    trace?.Invoke(new SamplerCallTrace(block, inner, kind, kind is SamplerCallKind.Full or SamplerCallKind.BuildCache ? 0 : start, windowEnd, start,
                        logits, candidates, tokens, probability, transfer, x, options.ConfidenceThreshold is null ? count : 0));
                    if (options.ReportSteps && onEvent is not null)
                    {
                        ReportStep(onEvent, transfer, updated, block, inner, blockLength, active);
                    }

                    bool complete;
                    if (options.ConfidenceThreshold is null)
                    {
                        complete = inner + 1 >= options.StepsPerBlock;
                    }
                    else
                    {
                        blockTokens = transfers.ReadInt64(updated);
                        complete = !Enumerable.Range(0, rows).Any(r => active[r] && blockTokens.AsSpan(r * blockLength, blockLength).Contains(mask));
                    }

                    // Fast-dLLM's cache loops always make at least one cached call after the cache-building one.
                    bool extraCall = options.FastDllmExtraCachedCall && options.Cache != KeyValueCacheMode.None && inner == 0;
                    if (complete && !extraCall)
                    {
                        break;
                    }
                }
            }
            finally
            {
                cache?.Dispose();
            }

            blockTokens ??= transfers.ReadInt64(x[.., (int)start..(int)end]);
            if (FinishBlock(blockTokens, block, blockLength, active, answers, reasons, onEvent, stopIds))
            {
                activeRows.Dispose();
                activeRows = transfers.Upload(active, [rows, 1], model.Device);
            }
        }

        return new MaskedGenerationResult(answers, reasons, forwardPasses);
    }

    /// <summary>
    /// Makes the step's denoiser call; returns the logits it produced and the block's slice of them. Only the block's
    /// logits are computed unless <paramref name="fullLogits"/> (tracing) asks for the whole window.
    /// </summary>
    private (SamplerCallKind Kind, long WindowEnd, Tensor Logits, Tensor BlockLogits) Call(Tensor x, PaddedBatch batch, long start, long end, long total, int inner, KeyValueCacheMode mode, bool fullLogits, ref KeyValueCache? cache)
    {
        Range? block = fullLogits ? null : (int)start..(int)end;
        if (mode == KeyValueCacheMode.None)
        {
            var full = model.Forward(x, batch.AttentionMask, batch.PositionIds, logitsFor: block);
            return (SamplerCallKind.Full, total, full, fullLogits ? full[.., (int)start..(int)end] : full);
        }

        if (inner == 0)
        {
            // The cache is built from x before this call's commit and never refreshed inside the block (Fast-dLLM).
            var full = model.ForwardWithCache(x, batch.AttentionMask, batch.PositionIds, out var built, block);
            cache = built;
            return (SamplerCallKind.BuildCache, total, full, fullLogits ? full[.., (int)start..(int)end] : full);
        }

        long windowEnd = mode == KeyValueCacheMode.Prefix ? total : end;
        var window = model.ForwardWindow(x[.., (int)start..(int)windowEnd], start, cache!, batch.AttentionMask, batch.PositionIds, fullLogits ? null : ..(int)(end - start));
        var kind = mode == KeyValueCacheMode.Prefix ? SamplerCallKind.PrefixCached : SamplerCallKind.DualCached;
        return (kind, windowEnd, window, fullLogits ? window[.., ..(int)(end - start)] : window);
    }

    /// <summary>Records a finished block per active row; returns whether some row finished.</summary>
    private static bool FinishBlock(long[] blockTokens, int block, int blockLength, bool[] active, List<int>[] answers, MaskedFinishReason[] reasons, Action<MaskedSamplerEvent>? onEvent, HashSet<long> stopIds)
    {
        bool changed = false;
        for (int r = 0; r < active.Length; r++)
        {
            if (!active[r])
            {
                continue;
            }

            var row = blockTokens.AsSpan(r * blockLength, blockLength);
            int cut = stopIds.Count == 0 ? -1 : row.IndexOfAny(stopIds.ToArray());
            var kept = (cut < 0 ? row : row[..cut]).ToArray().Select(t => (int)t).ToList();
            answers[r].AddRange(kept);
            if (cut >= 0)
            {
                active[r] = false;
                reasons[r] = MaskedFinishReason.EndOfSequence;
                changed = true;
            }

            onEvent?.Invoke(new BlockCommittedEvent(r, block, kept, cut >= 0));
        }

        return changed;
    }

    private void ReportStep(Action<MaskedSamplerEvent> onEvent, Tensor transfer, Tensor updated, int block, int step, int blockLength, bool[] active)
    {
        using var packed = stack([transfer.to(int64), updated], 0);
        var values = transfers.ReadInt64(packed);
        int rows = active.Length, plane = rows * blockLength;
        for (int r = 0; r < rows; r++)
        {
            if (!active[r])
            {
                continue;
            }

            var positions = new List<int>();
            var tokens = new List<int>();
            for (int j = 0; j < blockLength; j++)
            {
                if (values[(r * blockLength) + j] != 0)
                {
                    positions.Add((block * blockLength) + j);
                    tokens.Add((int)values[plane + (r * blockLength) + j]);
                }
            }

            onEvent(new StepCommittedEvent(r, block, step, positions, tokens));
        }
    }

    private void Validate(MaskedGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Prompts, nameof(request));
        ArgumentNullException.ThrowIfNull(request.Options, nameof(request));
        request.Options.Validate();
        PromptCheck.Rows(request.Prompts, model.VocabSize, allowEmpty: false, model.MaskTokenId, "the mask token", nameof(request));
        if (request.RowSeeds is { } seeds && seeds.Count != request.Prompts.Count)
        {
            throw new ArgumentException($"The request has {request.Prompts.Count} prompts but {seeds.Count} row seeds; give one seed per row or none.", nameof(request));
        }

        if (request.Options.Cache != KeyValueCacheMode.None && !model.SupportsKeyValueCache)
        {
            throw new NotSupportedException($"Cache {request.Options.Cache} was requested but the model has no key/value cache; use KeyValueCacheMode.None.");
        }
    }
}
