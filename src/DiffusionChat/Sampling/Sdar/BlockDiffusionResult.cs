namespace DiffusionChat.Sampling.Sdar;

/// <summary>The outcome of a <see cref="BlockDiffusionSampler"/> call.</summary>
/// <param name="Answers">
/// Per row, the generated ids of every decoded block (the prompt excluded; a stop id and the rest of its block
/// included, as the reference returns them; blocks after it are not decoded).
/// </param>
/// <param name="Stopped">Per row, whether a stop id ended the generation early.</param>
/// <param name="ModelCalls">Model calls made (prefills, denoising steps and store passes).</param>
public sealed record BlockDiffusionResult(IReadOnlyList<IReadOnlyList<int>> Answers, IReadOnlyList<bool> Stopped, int ModelCalls);
