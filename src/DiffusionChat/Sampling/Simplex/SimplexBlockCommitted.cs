namespace DiffusionChat.Sampling.Simplex;

/// <summary>A block of one row was decoded and committed to that row's context.</summary>
/// <param name="Row">The row (prompt index) in the generation call.</param>
/// <param name="BlockIndex">0-based block number within the call.</param>
/// <param name="TokenIds">
/// The block's new tokens, cut before the end-of-sequence token when it appears (then possibly fewer than the block
/// length, or none).
/// </param>
/// <param name="EndOfSequence">Whether the end-of-sequence token appeared in this block; the row is then finished.</param>
public sealed record SimplexBlockCommitted(int Row, int BlockIndex, IReadOnlyList<int> TokenIds, bool EndOfSequence);
