using DiffusionChat.Sampling;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;

namespace DiffusionChat.Generation;

/// <summary>
/// <see cref="ITokenGenerator"/> over a simplex denoiser (SSD-LM layout or <c>simplex-llama</c>) and the block-wise <see cref="SimplexSampler"/>.
/// </summary>
/// <remarks>
/// Mapping of request knobs: <c>Steps</c> = decode steps per block, <c>BlockLength</c> = block length,
/// <c>TopP</c> = the projection nucleus (SSD-LM's own top-p; default 0.2 as in the paper's decoding), a temperature
/// above 0 selects the sampled one-hot projection (SSD-LM's sampling variant) instead of the multi-hot one. Remasking,
/// threshold and cache knobs are masked-diffusion concepts and are ignored here. Each row draws its noise from its own
/// generator seeded by the request, so a row's answer does not depend on what it is batched with. Stop requests take
/// effect at the end of the batch (the sampler has no per-row early exit); the answer is cut at the first stop token.
/// </remarks>
public sealed class SimplexTokenGenerator : ITokenGenerator
{
    private readonly ISimplexDenoiser denoiser;

    /// <summary>Creates the generator; it owns <paramref name="denoiser"/>.</summary>
    /// <param name="denoiser">The loaded denoiser.</param>
    /// <param name="defaults">Defaults for unset knobs (steps, block length); validated.</param>
    /// <param name="endOfSequenceTokenId">The model's end-of-sequence id, if it has one.</param>
    public SimplexTokenGenerator(ISimplexDenoiser denoiser, DiffusionGenerationOptions defaults, int? endOfSequenceTokenId)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate();
        this.denoiser = denoiser;
        DefaultDiffusion = new DiffusionGenerationOptions { Steps = defaults.Steps ?? 50, BlockLength = defaults.BlockLength ?? 25 };
        EndOfSequenceTokenId = endOfSequenceTokenId;
    }

    /// <summary>The model's end-of-sequence id, if any.</summary>
    public int? EndOfSequenceTokenId { get; }

    /// <summary>The loaded denoiser (owned by this generator), for infilling over the same weights.</summary>
    public ISimplexDenoiser Denoiser => denoiser;

    /// <inheritdoc />
    public ModelFamily Family => ModelFamily.SimplexDiffusion;

    /// <inheritdoc />
    public int MaxSequenceLength => denoiser.MaxSequenceLength;

    /// <inheritdoc />
    public DiffusionGenerationOptions DefaultDiffusion { get; }

    /// <inheritdoc />
    /// <remarks>
    /// True: a block is decoded seeing only the prompt and the finished blocks, and each row's noise is drawn block
    /// after block, so a smaller budget only cuts the answer short. A request that leaves its budget unset is given
    /// what the context has left.
    /// </remarks>
    public bool DecodesLeftToRight => true;

    /// <inheritdoc />
    /// <remarks>Steps and block length apply; remasking, a confidence threshold, a key/value cache and top-k do not.</remarks>
    public void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptCheck.Single(request.PromptTokens, denoiser.VocabSize, reserved: null, reservedName: null);
        var d = request.Diffusion;
        UnsupportedOptions.Refuse("SSD-LM (simplex diffusion)", "it decodes each block for Steps simplex steps through a top-p projection, with no remasking, confidence threshold, key/value cache or top-k",
            (nameof(d.Remasking), d.Remasking is not null),
            (nameof(d.ConfidenceThreshold), d.ConfidenceThreshold is not null),
            (nameof(d.Cache), d.Cache is { } cache && cache != KeyValueCacheMode.None),
            (nameof(request.Sampling.TopK), request.Sampling.TopK is not null),
            (nameof(d.DraftAndVerify), d.DraftAndVerify == true));
    }

    /// <inheritdoc />
    public object BatchKey(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var knobs = DefaultDiffusion.With(request.Diffusion);
        return (knobs.Steps, knobs.BlockLength, request.Sampling.Temperature > 0, request.Sampling.TopP);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<GenerationResult>>([]);
        }

        var first = batch[0];
        var knobs = DefaultDiffusion.With(first.Diffusion);
        int blockLength = knobs.BlockLength!.Value;
        var stopIds = new HashSet<int>(first.StopTokenIds);
        if (EndOfSequenceTokenId is { } eos)
        {
            stopIds.Add(eos);
        }

        var options = new SimplexSamplerOptions
        {
            Steps = knobs.Steps!.Value,
            BlockLength = blockLength,
            MaxBlocks = batch.Max(r => (r.MaxNewTokens + blockLength - 1) / blockLength),
            TopP = first.Sampling.TopP ?? new SimplexSamplerOptions().TopP,
            Projection = first.Sampling.Temperature > 0 ? SimplexProjection.TopPSampledOneHot : SimplexProjection.TopPMultiHot,
            EndOfSequenceTokenId = first.StopTokenIds.Count > 0 ? first.StopTokenIds[0] : EndOfSequenceTokenId,

            // A budget that fits the context (the client checks prompt + budget) can still end inside a block: the last
            // block may reach up to BlockLength - 1 positions past the context. Dropping that many of the oldest context
            // tokens for it is what the model was trained with (the trainer's overflow), and only that block, whose
            // tokens past the budget are cut anyway, sees the shorter context.
            ContextOverflow = SimplexContextOverflow.DropOldest,
        };
        var sampler = new SimplexSampler(denoiser, options);
        var answers = batch.Select(r => new AnswerAccumulator(r, stopIds)).ToArray();
        using var noise = new GeneratorNoiseSource(denoiser.Device, batch.Select(r => unchecked((ulong)r.Sampling.Seed)).ToList());
        var generation = sampler.Generate(
            batch.Select(r => r.PromptTokens).ToList(),
            noise,
            block => answers[block.Row].Accept(block.Block, block.Tokens),
            cancellationToken);

        var results = answers.Select((a, row) => a.Result(generation.Rows[row].EndOfSequence, generation.BlocksDecoded * options.Steps)).ToList();
        return Task.FromResult<IReadOnlyList<GenerationResult>>(results);
    }

    /// <inheritdoc />
    public void Dispose() => denoiser.Dispose();
}
