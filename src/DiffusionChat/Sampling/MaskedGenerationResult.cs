namespace DiffusionChat.Sampling;

/// <summary>The outcome of <see cref="MaskedDiffusionSampler.GenerateAsync"/>.</summary>
/// <param name="Answers">Answer token ids per row, cut before the first end-of-sequence token.</param>
/// <param name="FinishReasons">Why each row stopped.</param>
/// <param name="ForwardPasses">Number of denoiser calls made for the whole batch.</param>
public sealed record MaskedGenerationResult(
    IReadOnlyList<IReadOnlyList<int>> Answers,
    IReadOnlyList<GenerationFinishReason> FinishReasons,
    int ForwardPasses);
