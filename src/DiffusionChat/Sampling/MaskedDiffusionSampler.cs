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
    /// <param name="onCommitted">Optional callback for every finished block of every running row, on the sampling thread.</param>
    /// <param name="onStep">Optional callback for every step's commits (only with <see cref="MaskedSamplerOptions.ReportSteps"/>).</param>
    /// <param name="cancellationToken">Checked before every denoiser call.</param>
    /// <returns>The answers, finish reasons and call counts.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or a prompt is null.</exception>
    /// <exception cref="ArgumentException">A prompt is empty or holds an id outside the vocabulary or the mask id.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <exception cref="NotSupportedException">A cache was asked for but the model has none.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public Task<MaskedGenerationResult> GenerateAsync(MaskedGenerationRequest request, Action<TokensCommitted>? onCommitted = null, Action<StepCommittedEvent>? onStep = null, CancellationToken cancellationToken = default)
    {
        Validate(request);
        return Task.Run(() => Generate(request, onCommitted, onStep, null, cancellationToken), cancellationToken);
    }

    /// <summary>The synchronous core; <paramref name="observer"/> (the golden tool's) sees every denoiser call.</summary>
    internal MaskedGenerationResult Generate(MaskedGenerationRequest request, Action<TokensCommitted>? onCommitted, Action<StepCommittedEvent>? onStep, IMaskedSamplerObserver? observer, CancellationToken cancellationToken)
    {
        Validate(request);
        var options = request.Options;
        int rows = request.Prompts.Count, blockLength = options.BlockLength;
        long mask = model.MaskTokenId;
        var answers = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var reasons = Enumerable.Repeat(GenerationFinishReason.Length, rows).ToArray();
        var active = Enumerable.Repeat(true, rows).ToArray();
        int forwardPasses = 0;
        var stopIds = !options.StopAtEndOfSequence ? [] :
            options.AdditionalStopTokenIds.Select(id => (long)id).Concat(model.EosTokenId is { } eos ? [eos] : []).ToHashSet();

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var noise = new RowNoise(request.RowSeeds ?? Enumerable.Range(0, rows).Select(r => request.Seed + (ulong)r).ToList(), model.Device);
        var batch = PaddedBatch.Create(request.Prompts, options.AnswerLength, mask, model.EosTokenId ?? 0, model.Device, transfers);
        var x = batch.Ids;
        var activeRows = ones(rows, 1, dtype: @bool, device: model.Device);

        // Block by block, left to right; within a block, step until its masks are gone: predict, select, commit.
        for (int block = 0; block < options.BlockCount && active.Any(a => a); block++)
        {
            int start = batch.PromptLength + (block * blockLength), end = start + blockLength;
            var schedule = TransferSchedule.Linear(blockLength, options.StepsPerBlock);
            using var forward = new BlockForward(model, batch, start, end, options.Cache, observer?.WantsWindowLogits ?? false);
            long[]? blockTokens = null;
            for (int step = 0; ; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var stepScope = NewDisposeScope();

                // Predict: a token, its probability and a remasking score for every position of the block.
                var call = forward.Call(x, step);
                forwardPasses++;
                var (tokens, probability, score) = TokenPrediction.Predict(call.BlockLogits, mask, options, noise);

                // Select: which masked positions of the active rows this step commits.
                var current = x[.., start..end];
                var candidates = current.IsEqualTo(mask).logical_and(activeRows);
                int count = step < schedule.Length ? schedule[step] : 0;
                var transfer = TransferSelection.Select(score, probability, candidates, count, options.ConfidenceThreshold);

                // Commit.
                var updated = where(transfer, tokens, current);
                x.index_put_(updated, TensorIndex.Colon, TensorIndex.Slice(start, end));
                observer?.Called(new SamplerCallTrace(block, step, call.Kind, call.WindowStart, call.WindowEnd, start,
                    call.Logits, candidates, tokens, probability, transfer, x, options.ConfidenceThreshold is null ? count : 0));
                if (options.ReportSteps && onStep is not null)
                {
                    ReportStep(onStep, transfer, updated, block, step, blockLength, active);
                }

                // A fixed schedule ends after its steps; threshold decoding when no active row has a mask left.
                bool complete;
                if (options.ConfidenceThreshold is null)
                {
                    complete = step + 1 >= options.StepsPerBlock;
                }
                else
                {
                    blockTokens = transfers.ReadInt64(updated);
                    complete = !Enumerable.Range(0, rows).Any(r => active[r] && blockTokens.AsSpan(r * blockLength, blockLength).Contains(mask));
                }

                if (complete && !(observer?.CallsAgain(block, step, options.Cache) ?? false))
                {
                    break;
                }
            }

            blockTokens ??= transfers.ReadInt64(x[.., start..end]);
            if (FinishBlock(blockTokens, block, blockLength, active, answers, reasons, onCommitted, stopIds, request.StopRequested))
            {
                activeRows.Dispose();
                activeRows = transfers.Upload(active, [rows, 1], model.Device);
            }
        }

        return new MaskedGenerationResult(answers, reasons, forwardPasses);
    }

    /// <summary>Records a finished block per active row; returns whether some row finished.</summary>
    private static bool FinishBlock(long[] blockTokens, int block, int blockLength, bool[] active, List<int>[] answers, GenerationFinishReason[] reasons, Action<TokensCommitted>? onCommitted, HashSet<long> stopIds, Func<int, bool>? stopRequested)
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
                reasons[r] = GenerationFinishReason.EndOfSequence;
                changed = true;
            }

            onCommitted?.Invoke(new TokensCommitted(r, block, kept, cut >= 0));
            if (active[r] && stopRequested?.Invoke(r) == true)
            {
                // The whole canvas is computed anyway; the row is only masked out of later commits.
                active[r] = false;
                reasons[r] = GenerationFinishReason.Stopped;
                changed = true;
            }
        }

        return changed;
    }

    private void ReportStep(Action<StepCommittedEvent> onStep, Tensor transfer, Tensor updated, int block, int step, int blockLength, bool[] active)
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

            onStep(new StepCommittedEvent(r, block, step, positions, tokens));
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
