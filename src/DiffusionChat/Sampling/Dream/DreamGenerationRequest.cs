namespace DiffusionChat.Sampling.Dream;

/// <summary>Prompts (token ids, one row each), settings and seed of one <see cref="DreamSampler"/> call.</summary>
/// <param name="Prompts">The prompt rows; rows of different lengths are left-padded and the padding hidden from attention.</param>
/// <param name="Options">The settings.</param>
/// <param name="Seed">Seed of the token and position draws.</param>
public sealed record DreamGenerationRequest(IReadOnlyList<IReadOnlyList<int>> Prompts, DreamSamplerOptions Options, ulong Seed = 0);
