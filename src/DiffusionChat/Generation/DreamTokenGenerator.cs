using DiffusionChat.Models;
using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Categorical;
using DiffusionChat.Sampling.Dream;

namespace DiffusionChat.Generation;

/// <summary>
/// <see cref="ITokenGenerator"/> over a <see cref="DreamDenoiser"/>: Dream's own <see cref="DreamSampler"/>, or, when a
/// request asks for blocks, a confidence threshold or a key/value cache, Fast-dLLM's block-wise decoding of Dream
/// (the <see cref="MaskedDiffusionSampler"/>).
/// </summary>
/// <remarks>
/// <para>
/// Dream's own sampler denoises the whole answer at once (one block): the answer is reported when the last step is
/// done, then cut at the end-of-sequence id and the request's stop ids. Knobs: <see cref="DiffusionGenerationOptions.Steps"/>
/// (default: one step per answer token, as Dream's examples), <see cref="DiffusionGenerationOptions.Remasking"/> mapped to
/// Dream's <c>alg</c> (LowConfidence = maskgit_plus, TopTwoMargin = topk_margin, Entropy = entropy (the default, as in
/// Dream's examples), Random = origin). Greedy requests with equal settings share a batch; sampled ones run alone, so
/// an answer depends only on its own seed.
/// </para>
/// <para>
/// A request (or the checkpoint's defaults) that sets <see cref="DiffusionGenerationOptions.BlockLength"/>,
/// <see cref="DiffusionGenerationOptions.ConfidenceThreshold"/> or a <see cref="DiffusionGenerationOptions.Cache"/> other
/// than None runs as NVlabs/Fast-dLLM runs Dream: blocks left to right (default length 32, Fast-dLLM's Dream default),
/// <c>Steps</c> per block (default: one per position), threshold decoding, prefix or dual cache, streamed per block;
/// the rules are <see cref="MaskedTokenGenerator"/>'s. The ranking stays Dream's default (entropy) unless set.
/// </para>
/// </remarks>
public sealed class DreamTokenGenerator : ITokenGenerator
{
    /// <summary>The block length of the block-wise path when a request asks for a threshold or a cache but no block length.</summary>
    public const int DefaultBlockLength = 32;

    private readonly DreamDenoiser model;
    private readonly DreamSampler sampler;
    private readonly MaskedTokenGenerator blockwise;

    /// <summary>Creates the generator; it owns <paramref name="model"/>.</summary>
    /// <param name="model">The loaded Dream model.</param>
    /// <param name="defaults">Defaults for unset knobs (the checkpoint's <c>generation_defaults</c>); validated.</param>
    /// <param name="maxSequenceLength">The longest prompt + answer the model accepts.</param>
    public DreamTokenGenerator(DreamDenoiser model, DiffusionGenerationOptions defaults, int maxSequenceLength)
        : this(model, defaults, maxSequenceLength, model)
    {
    }

    /// <summary>As the public constructor, with the block-wise path calling <paramref name="blockDenoiser"/> (the same model, e.g. wrapped to observe its calls; not owned).</summary>
    internal DreamTokenGenerator(DreamDenoiser model, DiffusionGenerationOptions defaults, int maxSequenceLength, IMaskedDenoiser blockDenoiser)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(blockDenoiser);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSequenceLength, 2);
        defaults.Validate();
        this.model = model;
        sampler = new DreamSampler(model);
        MaxSequenceLength = maxSequenceLength;
        DefaultDiffusion = defaults with { Remasking = defaults.Remasking ?? RemaskingStrategy.Entropy };
        // Never disposed: it would dispose the model this generator owns.
        blockwise = new MaskedTokenGenerator(blockDenoiser, DefaultDiffusion with { BlockLength = defaults.BlockLength ?? DefaultBlockLength }, maxSequenceLength);
    }

    /// <summary>The Dream model.</summary>
    public DreamDenoiser Denoiser => model;

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
        if (Blockwise(request))
        {
            blockwise.Validate(request);
            return;
        }

        PromptCheck.Single(request.PromptTokens, model.VocabSize, model.MaskTokenId, "the mask token");
        Options(request);
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        if (Blockwise(request))
        {
            return blockwise.BatchKey(request);
        }

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

        // A batch shares one batch key, so one path serves all its requests.
        if (Blockwise(batch[0]))
        {
            return blockwise.GenerateAsync(batch, cancellationToken);
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

    /// <summary>Whether the request runs block-wise (Fast-dLLM's Dream path) instead of through Dream's own sampler.</summary>
    private bool Blockwise(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var knobs = DefaultDiffusion.With(request.Diffusion);
        return knobs.BlockLength is not null || knobs.ConfidenceThreshold is not null || knobs.Cache is { } cache && cache != KeyValueCacheMode.None;
    }

    private DreamSamplerOptions Options(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        UnsupportedOptions.Refuse("Dream", "it attends in both directions, so there are no one-token steps over an exact cache to verify drafts against",
            (nameof(DiffusionGenerationOptions.DraftAndVerify), request.Diffusion.DraftAndVerify == true));
        var knobs = DefaultDiffusion.With(request.Diffusion);
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
