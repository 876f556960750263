namespace DiffusionChat.Sampling.Sdar;

/// <summary>A finished block of one row, reported while <see cref="BlockDiffusionSampler"/> runs (streaming).</summary>
/// <param name="Row">Row index in the request.</param>
/// <param name="Block">Block index in the sequence (prompt blocks included).</param>
/// <param name="Tokens">The block's generated ids (prompt positions of a partial prompt block excluded).</param>
/// <param name="Stopped">Whether the block holds a stop id (the last block of the row).</param>
public sealed record BlockCommitted(int Row, int Block, IReadOnlyList<int> Tokens, bool Stopped);
