namespace DiffusionChat.Sampling.Dream;

/// <summary>The outcome of a <see cref="DreamSampler"/> call.</summary>
/// <param name="Answers">
/// The <see cref="DreamSamplerOptions.MaxNewTokens"/> generated ids of each row, end-of-sequence tokens and what
/// follows them included (Dream's reference returns the whole sequence; callers cut at the first end id).
/// </param>
/// <param name="ForwardPasses">Denoiser calls made.</param>
public sealed record DreamGenerationResult(IReadOnlyList<IReadOnlyList<int>> Answers, int ForwardPasses);
