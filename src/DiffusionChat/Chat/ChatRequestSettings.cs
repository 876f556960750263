using DiffusionChat.Generation;

namespace DiffusionChat.Chat;

/// <summary>A chat request's options after defaults are applied and every value is validated.</summary>
/// <param name="MaxOutputTokens">Answer token budget.</param>
/// <param name="Sampling">Temperature, top-k, top-p, seed.</param>
/// <param name="Diffusion">Diffusion knobs (defaults merged in).</param>
/// <param name="StopSequences">Texts that end the answer (trimmed from it).</param>
internal sealed record ChatRequestSettings(
    int MaxOutputTokens,
    TokenSampling Sampling,
    DiffusionGenerationOptions Diffusion,
    IReadOnlyList<string> StopSequences);
