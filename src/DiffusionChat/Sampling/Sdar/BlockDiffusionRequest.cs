namespace DiffusionChat.Sampling.Sdar;

/// <summary>Prompts (token ids, one row each), settings and seed of one <see cref="BlockDiffusionSampler"/> call.</summary>
/// <param name="Prompts">The prompt rows; each is generated on its own (the reference decodes one row).</param>
/// <param name="Options">The settings.</param>
/// <param name="Seed">Seed of the token draws; row r draws from seed + r.</param>
public sealed record BlockDiffusionRequest(IReadOnlyList<IReadOnlyList<int>> Prompts, BlockDiffusionOptions Options, ulong Seed = 0);
