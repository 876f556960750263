namespace DiffusionChat.Sampling;

/// <summary>
/// A denoising step of <see cref="MaskedDiffusionSampler"/> committed some positions of a row (only with
/// <see cref="MaskedSamplerOptions.ReportSteps"/>; finished blocks are reported as <see cref="TokensCommitted"/>).
/// </summary>
/// <param name="Row">Row of the batch.</param>
/// <param name="Block">0-based block index.</param>
/// <param name="Step">0-based step within the block.</param>
/// <param name="Positions">Answer-relative positions committed in this step.</param>
/// <param name="Tokens">The tokens committed there, in the same order.</param>
public sealed record StepCommittedEvent(int Row, int Block, int Step, IReadOnlyList<int> Positions, IReadOnlyList<int> Tokens);
