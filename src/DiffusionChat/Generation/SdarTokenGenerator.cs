using DiffusionChat.Models.Sdar;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Categorical;
using DiffusionChat.Sampling.Sdar;

namespace DiffusionChat.Generation;

/// <summary><see cref="ITokenGenerator"/> over an <see cref="SdarDenoiser"/> and SDAR's <see cref="BlockDiffusionSampler"/>.</summary>
/// <remarks>
/// Each finished block is streamed as it is committed; generation stops after the block holding the end-of-sequence
/// id or a request stop id, and the answer is cut before it. Knobs: <see cref="DiffusionGenerationOptions.BlockLength"/>
/// (default the model's <c>block_size</c>), <see cref="DiffusionGenerationOptions.Steps"/> (denoising steps per block,
/// default 4) and <see cref="DiffusionGenerationOptions.ConfidenceThreshold"/> (default 0.85: SDAR's
/// <c>low_confidence_dynamic</c>; 1 never commits early, i.e. <c>low_confidence_static</c>), as in SDAR's
/// <c>generate.py</c>. Only low-confidence remasking and no cache option apply (the exact block cache is always on).
/// Temperature 0 decodes greedily (our extension; the reference cannot). Requests run one at a time, each with its own
/// seed, as the reference decodes one row.
/// </remarks>
public sealed class SdarTokenGenerator : ITokenGenerator
{
    private readonly SdarDenoiser model;
    private readonly BlockDiffusionSampler sampler;

    /// <summary>Creates the generator; it owns <paramref name="model"/>.</summary>
    /// <param name="model">The loaded SDAR model.</param>
    /// <param name="defaults">Defaults for unset knobs (the checkpoint's <c>generation_defaults</c>); validated.</param>
    /// <param name="maxSequenceLength">The longest prompt + answer the model accepts.</param>
    public SdarTokenGenerator(SdarDenoiser model, DiffusionGenerationOptions defaults, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        defaults.Validate();
        this.model = model;
        sampler = new BlockDiffusionSampler(model);
        MaxSequenceLength = maxSequenceLength;
        DefaultDiffusion = new DiffusionGenerationOptions
        {
            BlockLength = defaults.BlockLength ?? model.BlockSize,
            Steps = defaults.Steps ?? 4,
            Remasking = defaults.Remasking ?? RemaskingStrategy.LowConfidence,
            ConfidenceThreshold = defaults.ConfidenceThreshold ?? 0.85,
            Cache = KeyValueCacheMode.None,
        };
    }

    /// <inheritdoc />
    public ModelFamily Family => ModelFamily.MaskedDiffusion;

    /// <inheritdoc />
    public int MaxSequenceLength { get; }

    /// <inheritdoc />
    public DiffusionGenerationOptions DefaultDiffusion { get; }

    /// <inheritdoc />
    /// <remarks>True: SDAR decodes block by block and never sees a later block.</remarks>
    public bool DecodesLeftToRight => true;

    /// <inheritdoc />
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, model.VocabSize, model.MaskTokenId, "the mask token");
        Options(request);
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request) => new object();

    /// <inheritdoc />
    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var results = new List<GenerationResult>();
        foreach (var request in batch)
        {
            var options = Options(request);
            var answer = new AnswerAccumulator(request, options.StopTokenIds.ToHashSet());
            var firstBlock = -1;
            // Synchronous on the caller's thread (the client's generation thread), as the other generators.
            var result = sampler.Generate(
                new BlockDiffusionRequest([request.PromptTokens], options),
                _ => new GeneratorDraws(unchecked((ulong)request.Sampling.Seed), model.Device),
                block =>
                {
                    firstBlock = firstBlock < 0 ? block.Block : firstBlock;
                    answer.Accept(block.Block - firstBlock, block.Tokens);
                },
                null,
                cancellationToken);
            results.Add(answer.Result(result.Stopped[0], result.ModelCalls));
        }

        return Task.FromResult<IReadOnlyList<GenerationResult>>(results);
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();

    private BlockDiffusionOptions Options(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var knobs = DefaultDiffusion.With(request.Diffusion);
        UnsupportedOptions.Refuse("SDAR", "it commits by confidence (Remasking LowConfidence, with ConfidenceThreshold for the dynamic schedule) and always keeps its exact block cache",
            ($"Remasking {knobs.Remasking}", knobs.Remasking != RemaskingStrategy.LowConfidence),
            ($"Cache {request.Diffusion.Cache}", request.Diffusion.Cache is { } cache && cache != KeyValueCacheMode.None),
            (nameof(knobs.DraftAndVerify), request.Diffusion.DraftAndVerify == true));

        return new BlockDiffusionOptions
        {
            GenLength = request.MaxNewTokens,
            BlockLength = knobs.BlockLength,
            DenoisingSteps = knobs.Steps!.Value,
            Remasking = SdarRemasking.LowConfidenceDynamic,
            ConfidenceThreshold = knobs.ConfidenceThreshold!.Value,
            Temperature = request.Sampling.Temperature,
            TopK = request.Sampling.TopK ?? 0,
            TopP = request.Sampling.TopP ?? 1.0,
            StopTokenIds = request.StopTokenIds.Concat(model.EosTokenId is { } eos ? [(int)eos] : []).Distinct().ToList(),
        };
    }
}
