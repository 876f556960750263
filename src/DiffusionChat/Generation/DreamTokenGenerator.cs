using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Categorical;
using DiffusionChat.Sampling.Dream;

namespace DiffusionChat.Generation;

/// <summary><see cref="ITokenGenerator"/> over a <see cref="DreamDenoiser"/> and Dream's own <see cref="DreamSampler"/>.</summary>
/// <remarks>
/// Dream denoises the whole answer at once (one block): the answer is reported when the last step is done, then cut at
/// the end-of-sequence id and the request's stop ids. Knobs: <see cref="DiffusionGenerationOptions.Steps"/> (default:
/// one step per answer token, as Dream's examples), <see cref="DiffusionGenerationOptions.Remasking"/> mapped to
/// Dream's <c>alg</c> (LowConfidence = maskgit_plus, TopTwoMargin = topk_margin, Entropy = entropy (the default, as in
/// Dream's examples), Random = origin); block length, threshold and cache do not apply to Dream and are refused.
/// Greedy requests with equal settings share a batch; sampled ones run alone, so an answer depends only on its own seed.
/// </remarks>
public sealed class DreamTokenGenerator : ITokenGenerator
{
    private readonly DreamDenoiser model;
    private readonly DreamSampler sampler;

    /// <summary>Creates the generator; it owns <paramref name="model"/>.</summary>
    /// <param name="model">The loaded Dream model.</param>
    /// <param name="defaults">Defaults for unset knobs (the checkpoint's <c>generation_defaults</c>); validated.</param>
    /// <param name="maxSequenceLength">The longest prompt + answer the model accepts.</param>
    public DreamTokenGenerator(DreamDenoiser model, DiffusionGenerationOptions defaults, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        defaults.Validate();
        this.model = model;
        sampler = new DreamSampler(model);
        MaxSequenceLength = maxSequenceLength;
        DefaultDiffusion = defaults with { Remasking = defaults.Remasking ?? RemaskingStrategy.Entropy };
    }

    /// <inheritdoc />
    public ModelFamily Family => ModelFamily.MaskedDiffusion;

    /// <inheritdoc />
    public int MaxSequenceLength { get; }

    /// <inheritdoc />
    public DiffusionGenerationOptions DefaultDiffusion { get; }

    /// <inheritdoc />
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, model.VocabSize, model.MaskTokenId, "the mask token");
        Options(request);
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        var options = Options(request);
        // Rows of a batch share one generator; only deterministic requests may share a batch.
        bool deterministic = options.Temperature == 0 && options.Unmasking != DreamUnmasking.Origin && options.AlgorithmTemperature is null;
        return deterministic ? options : new object();
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<GenerationResult>>([]);
        }

        var options = Options(batch[0]);
        using var draws = new GeneratorDraws(unchecked((ulong)batch[0].Sampling.Seed), model.Device);
        // Synchronous on the caller's thread (the client's generation thread), as the other generators.
        var answers = batch.Select(request => new AnswerAccumulator(request, request.StopTokenIds.Concat(model.EosTokenId is { } eos ? [(int)eos] : []).ToHashSet())).ToArray();
        var result = sampler.Generate(
            new DreamGenerationRequest(batch.Select(r => r.PromptTokens).ToList(), options),
            draws,
            committed => answers[committed.Row].Accept(committed.Block, committed.Tokens),
            trace: null,
            cancellationToken);
        return Task.FromResult<IReadOnlyList<GenerationResult>>(answers.Select(a => a.Result(false, result.ForwardPasses)).ToList());
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();

    private DreamSamplerOptions Options(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var knobs = DefaultDiffusion.With(request.Diffusion);
        var d = request.Diffusion;
        UnsupportedOptions.Refuse("Dream", "it denoises the whole answer as one block",
            (nameof(d.BlockLength), d.BlockLength is not null),
            (nameof(d.ConfidenceThreshold), d.ConfidenceThreshold is not null),
            (nameof(d.Cache), d.Cache is { } cache && cache != KeyValueCacheMode.None));

        return new DreamSamplerOptions
        {
            MaxNewTokens = request.MaxNewTokens,
            Steps = knobs.Steps ?? request.MaxNewTokens,
            Unmasking = knobs.Remasking switch
            {
                RemaskingStrategy.LowConfidence => DreamUnmasking.MaskGitPlus,
                RemaskingStrategy.TopTwoMargin => DreamUnmasking.TopKMargin,
                RemaskingStrategy.Random => DreamUnmasking.Origin,
                _ => DreamUnmasking.Entropy,
            },
            Temperature = request.Sampling.Temperature,
            TopK = request.Sampling.TopK,
            TopP = request.Sampling.TopP,
        };
    }
}
