using DiffusionChat.Models;
using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>
/// <see cref="ITokenGenerator"/> over a masked-diffusion denoiser (MDLM/BD3-LM DiT, LLaDA) and the block-wise
/// <see cref="MaskedDiffusionSampler"/>.
/// </summary>
/// <remarks>
/// The answer length is the request's token budget rounded up to whole blocks; rows are cut at the model's EOS and at
/// the request's stop tokens (e.g. the chat template's end of turn) and at the budget. Requests batch together when
/// they share every knob and the rounded answer length. Each row draws its random numbers from its own generator
/// seeded by its request, so an answer is a pure function of its prompt, settings and seed whatever else is in flight;
/// the exception is sampling together with a confidence threshold (the step count then depends on the other rows), and
/// such requests run alone. Stop requests take effect at the end of the batch.
/// </remarks>
public sealed class MaskedTokenGenerator : ITokenGenerator
{
    private readonly IMaskedDenoiser denoiser;
    private static readonly int[] NoStopIds = [];
    private readonly MaskedDiffusionSampler sampler;

    /// <summary>Creates the generator; it owns <paramref name="denoiser"/>.</summary>
    /// <param name="denoiser">The loaded denoiser.</param>
    /// <param name="defaults">Defaults for unset knobs; validated. Missing values: block length 32, steps = block length, low-confidence remasking, no threshold, no cache.</param>
    /// <param name="maxSequenceLength">The longest prompt + answer the model was trained for.</param>
    public MaskedTokenGenerator(IMaskedDenoiser denoiser, DiffusionGenerationOptions defaults, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        defaults.Validate();
        this.denoiser = denoiser;
        sampler = new MaskedDiffusionSampler(denoiser);
        MaxSequenceLength = maxSequenceLength;
        int blockLength = defaults.BlockLength ?? 32;
        DefaultDiffusion = new DiffusionGenerationOptions
        {
            BlockLength = blockLength,
            Steps = defaults.Steps ?? blockLength,
            Remasking = defaults.Remasking ?? RemaskingStrategy.LowConfidence,
            ConfidenceThreshold = defaults.ConfidenceThreshold,
            Cache = defaults.Cache ?? KeyValueCacheMode.None,
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
    /// <remarks>Every option applies to masked diffusion; a key/value cache the denoiser lacks is refused.</remarks>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, denoiser.VocabSize, denoiser.MaskTokenId, "the mask token");
        if (DefaultDiffusion.With(request.Diffusion).Cache is { } cache && cache != KeyValueCacheMode.None && !denoiser.SupportsKeyValueCache)
        {
            throw new NotSupportedException($"Cache {cache} was requested but the model has no key/value cache; use KeyValueCacheMode.None.");
        }
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = SamplerOptions(request);
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
        var answers = batch.Select(r => new AnswerAccumulator(r, r.StopTokenIds.ToHashSet())).ToArray();
        var request = new MaskedGenerationRequest(batch.Select(r => r.PromptTokens).ToList(), options, unchecked((ulong)batch[0].Sampling.Seed))
        {
            RowSeeds = batch.Select(r => unchecked((ulong)r.Sampling.Seed)).ToList(),
        };

        // Synchronous on the caller's thread (the client's generation thread), not a pool thread: see BatchingQueue.
        var result = sampler.Generate(
            request,
            committed => answers[committed.Row].Accept(committed.Block, committed.Tokens),
            step => StepCommitted?.Invoke(this, new DenoisingStepEventArgs(batch[step.Row], step.Block, step.Step, step.Positions, step.Tokens)),
            observer: null,
            cancellationToken);

        return Task.FromResult<IReadOnlyList<GenerationResult>>(
            answers.Select((a, row) => a.Result(result.FinishReasons[row] == GenerationFinishReason.EndOfSequence, result.ForwardPasses)).ToList());
    }

    /// <inheritdoc />
    public void Dispose() => denoiser.Dispose();

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
            AdditionalStopTokenIds = request.StopTokenIds,
            Temperature = request.Sampling.Temperature,
            TopK = request.Sampling.TopK,
            TopP = request.Sampling.TopP,
            ReportSteps = StepCommitted is not null,
        };
    }
}
