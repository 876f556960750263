namespace DiffusionChat.Sampling;

/// <summary>One batched generation: a prompt per row, the sampler settings, and the seed of all random draws.</summary>
/// <param name="Prompts">Prompt token ids per row (each non-empty, without mask ids); rows may differ in length.</param>
/// <param name="Options">Sampler settings.</param>
/// <param name="Seed">Seed of the request's generator; the same request and seed give the same tokens.</param>
public sealed record MaskedGenerationRequest(IReadOnlyList<IReadOnlyList<int>> Prompts, MaskedSamplerOptions Options, ulong Seed = 0)
{
    /// <summary>
    /// One seed per row (count must equal the number of prompts); when null, row r uses <see cref="Seed"/> + r. Each row
    /// draws from its own generator, so with a fixed schedule a row decodes as it would alone with the same seed.
    /// </summary>
    public IReadOnlyList<ulong>? RowSeeds { get; init; }

    /// <summary>
    /// Asked after every committed block of a row that goes on (with the row's index); true ends the row there with
    /// <see cref="GenerationFinishReason.Stopped"/>: no later block of it is committed, and the block-causal sampler
    /// drops it from its passes. Called on the sampling thread; null = rows end only at their stop ids or length.
    /// </summary>
    public Func<int, bool>? StopRequested { get; init; }
}
