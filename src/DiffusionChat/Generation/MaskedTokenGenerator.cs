using DiffusionChat.Models;
using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>
/// <see cref="ITokenGenerator"/> over a masked-diffusion denoiser (MDLM/BD3-LM DiT, LLaDA): the block-causal
/// <see cref="BlockCausalSampler"/> for a block-causal denoiser (LLaDA with <c>block_size</c>), the block-wise
/// <see cref="MaskedDiffusionSampler"/> over the whole answer window for a bidirectional one (and for a block-causal one
/// when a request asks for a Fast-dLLM cache).
/// </summary>
/// <remarks>
/// Bidirectional: the answer window is the request's token budget rounded up to whole blocks, and requests batch
/// together when they share every knob and the rounded window. Block-causal: the answer grows block by block and never
/// sees positions after its current block, so it does not depend on the budget; requests with different budgets share
/// a batch and each row ends at its own. Rows are cut at the model's EOS, the request's stop tokens (e.g. the chat
/// template's end of turn) and the budget. Each row draws its random numbers from its own generator seeded by its
/// request, so an answer is a pure function of its prompt, settings and seed whatever else is in flight; the exception
/// is sampling together with a confidence threshold (the step count then depends on the other rows), and such requests
/// run alone. <see cref="GenerationRequest.StopRequested"/> is polled after each block: a row that asks to stop takes no
/// further block (the block-causal sampler drops it from its passes).
/// </remarks>
public sealed class MaskedTokenGenerator : ITokenGenerator
{
    private readonly IMaskedDenoiser denoiser;
    private static readonly int[] NoStopIds = [];
    private readonly MaskedDiffusionSampler sampler;
    private readonly BlockCausalSampler? blockCausal;

    /// <summary>Creates the generator; it owns <paramref name="denoiser"/>.</summary>
    /// <param name="denoiser">The loaded denoiser.</param>
    /// <param name="defaults">Defaults for unset knobs; validated. Missing values: block length 32 (a block-causal model's attention block), steps = block length, low-confidence remasking, no threshold, no cache.</param>
    /// <param name="maxSequenceLength">The longest prompt + answer the model was trained for.</param>
    public MaskedTokenGenerator(IMaskedDenoiser denoiser, DiffusionGenerationOptions defaults, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        defaults.Validate();
        this.denoiser = denoiser;
        sampler = new MaskedDiffusionSampler(denoiser);
        blockCausal = denoiser.AttentionBlockSize is not null && denoiser.SupportsKeyValueCache ? new BlockCausalSampler(denoiser) : null;
        MaxSequenceLength = maxSequenceLength;
        // Draft and verify reproduces one token per step, so its block length and steps are 1.
        bool draftAndVerify = defaults.DraftAndVerify == true;
        int blockLength = draftAndVerify ? 1 : defaults.BlockLength ?? denoiser.AttentionBlockSize ?? 32;
        DefaultDiffusion = new DiffusionGenerationOptions
        {
            BlockLength = blockLength,
            Steps = draftAndVerify ? 1 : defaults.Steps ?? blockLength,
            Remasking = defaults.Remasking ?? RemaskingStrategy.LowConfidence,
            ConfidenceThreshold = defaults.ConfidenceThreshold,
            Cache = defaults.Cache ?? KeyValueCacheMode.None,
            DraftAndVerify = draftAndVerify,
        };
    }

    /// <summary>The denoiser.</summary>
    public IMaskedDenoiser Denoiser => denoiser;

    /// <summary>
    /// Raised on the generation thread after every denoising step, once per request in the batch, with the positions
    /// that step unmasked. For progress views (e.g. an answer denoising in place); the chat contract is unchanged.
    /// </summary>
    /// <remarks>
    /// While at least one handler is attached, the sampler reads each step's commits back to the host (one small read
    /// per step), so leave it detached when nobody watches. A batch that starts with no handler attached raises no
    /// step events even if one is attached midway. Keep handlers cheap and non-blocking; an exception from a handler
    /// fails the batch.
    /// </remarks>
    public event EventHandler<DenoisingStepEventArgs>? StepCommitted;

    /// <inheritdoc />
    public ModelFamily Family => ModelFamily.MaskedDiffusion;

    /// <inheritdoc />
    public int MaxSequenceLength { get; }

    /// <inheritdoc />
    public DiffusionGenerationOptions DefaultDiffusion { get; }

    /// <inheritdoc />
    /// <remarks>True for a block-causal denoiser: its answer never sees positions after the current block.</remarks>
    public bool DecodesLeftToRight => blockCausal is not null;

    /// <inheritdoc />
    /// <remarks>Every option applies to masked diffusion; a key/value cache the denoiser lacks is refused.</remarks>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, denoiser.VocabSize, denoiser.MaskTokenId, "the mask token");
        var knobs = DefaultDiffusion.With(request.Diffusion);
        knobs.Validate();
        if (knobs.Cache is { } cache && cache != KeyValueCacheMode.None && !denoiser.SupportsKeyValueCache)
        {
            throw new NotSupportedException($"Cache {cache} was requested but the model has no key/value cache; use KeyValueCacheMode.None.");
        }

        if (knobs.DraftAndVerify == true && blockCausal is null)
        {
            throw new NotSupportedException("DraftAndVerify needs a block-causal model (LLaDA with block_size), whose one-token steps it can verify in parallel; this model attends in both directions. Leave it unset.");
        }

        if (knobs.DraftAndVerify == true && knobs.Cache is { } other && other != KeyValueCacheMode.None)
        {
            throw new NotSupportedException($"DraftAndVerify runs on the block-causal sampler's exact cache; it cannot be combined with Cache {other}. Leave Cache at None.");
        }
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = SamplerOptions(request);
        if (UsesBlockCausal(options))
        {
            // Rows end at their own budgets, so the budget is no part of the key.
            options = options with { AnswerLength = 1 };
        }

        // Each row has its own generator, so sampling rows batch freely with a fixed schedule; with a confidence
        // threshold the number of steps (and so of draws) depends on the other rows, so those run alone.
        bool random = (options.Temperature > 0 || options.Remasking == RemaskingStrategy.Random) && options.ConfidenceThreshold is not null;

        // Lists compare by reference in records: key on the options without them, plus the stop ids as text.
        return random ? new object() : (options with { AdditionalStopTokenIds = NoStopIds }, string.Join(",", request.StopTokenIds));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<GenerationResult>>([]);
        }

        var options = SamplerOptions(batch[0]);
        bool leftToRight = UsesBlockCausal(options);
        if (leftToRight)
        {
            options = options with { AnswerLength = batch.Max(r => r.MaxNewTokens) };
        }

        var answers = batch.Select(r => new AnswerAccumulator(r, r.StopTokenIds.ToHashSet())).ToArray();
        var request = new MaskedGenerationRequest(batch.Select(r => r.PromptTokens).ToList(), options, unchecked((ulong)batch[0].Sampling.Seed))
        {
            RowSeeds = batch.Select(r => unchecked((ulong)r.Sampling.Seed)).ToList(),

            // A row whose answer is complete (its budget, a stop token, or its caller's stop request) takes no more blocks.
            StopRequested = row => answers[row].Finished,
        };

        void Committed(TokensCommitted committed) => answers[committed.Row].Accept(committed.Block, committed.Tokens);
        void Step(StepCommittedEvent step) => StepCommitted?.Invoke(this, new DenoisingStepEventArgs(batch[step.Row], step.Block, step.Step, step.Positions, step.Tokens));

        // Synchronous on the caller's thread (the client's generation thread), not a pool thread: see BatchingQueue.
        var result = leftToRight
            ? blockCausal!.Generate(request, Committed, Step, cancellationToken)
            : sampler.Generate(request, Committed, Step, observer: null, cancellationToken);

        return Task.FromResult<IReadOnlyList<GenerationResult>>(
            answers.Select((a, row) => a.Result(result.FinishReasons[row] == GenerationFinishReason.EndOfSequence, result.ForwardPasses)).ToList());
    }

    /// <inheritdoc />
    public void Dispose() => denoiser.Dispose();

    /// <summary>Whether these settings run on the block-causal sampler (a Fast-dLLM cache keeps the whole-window path).</summary>
    private bool UsesBlockCausal(MaskedSamplerOptions options) => blockCausal is not null && options.Cache == KeyValueCacheMode.None;

    private MaskedSamplerOptions SamplerOptions(GenerationRequest request)
    {
        var knobs = DefaultDiffusion.With(request.Diffusion);
        int blockLength = knobs.BlockLength!.Value;
        int blocks = (request.MaxNewTokens + blockLength - 1) / blockLength;
        return new MaskedSamplerOptions
        {
            AnswerLength = blocks * blockLength,
            BlockLength = blockLength,
            StepsPerBlock = knobs.Steps!.Value,
            Remasking = knobs.Remasking!.Value,
            ConfidenceThreshold = knobs.ConfidenceThreshold,
            Cache = knobs.Cache!.Value,
            DraftAndVerify = knobs.DraftAndVerify == true,
            AdditionalStopTokenIds = request.StopTokenIds,
            Temperature = request.Sampling.Temperature,
            TopK = request.Sampling.TopK,
            TopP = request.Sampling.TopP,
            ReportSteps = StepCommitted is not null,
        };
    }
}
