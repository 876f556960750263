namespace DiffusionChat.Sampling;

/// <summary>Progress reported by <see cref="MaskedDiffusionSampler"/> while it runs.</summary>
/// <param name="Row">Row of the batch.</param>
/// <param name="Block">0-based block index.</param>
public abstract record MaskedSamplerEvent(int Row, int Block);

/// <summary>A block of a row is final. Raised once per row and block, in block order.</summary>
/// <param name="Row">Row of the batch.</param>
/// <param name="Block">0-based block index.</param>
/// <param name="Tokens">The block's tokens, cut before an end-of-sequence or stop token (then the row is finished).</param>
/// <param name="EndOfSequence">Whether this block holds the row's end-of-sequence token.</param>
public sealed record BlockCommittedEvent(int Row, int Block, IReadOnlyList<int> Tokens, bool EndOfSequence) : MaskedSamplerEvent(Row, Block);

/// <summary>A step committed some positions of a row (only with <see cref="MaskedSamplerOptions.ReportSteps"/>).</summary>
/// <param name="Row">Row of the batch.</param>
/// <param name="Block">0-based block index.</param>
/// <param name="Step">0-based step within the block.</param>
/// <param name="Positions">Answer-relative positions committed in this step.</param>
/// <param name="Tokens">The tokens committed there, in the same order.</param>
public sealed record StepCommittedEvent(int Row, int Block, int Step, IReadOnlyList<int> Positions, IReadOnlyList<int> Tokens) : MaskedSamplerEvent(Row, Block);
