namespace DiffusionChat.Sampling.Simplex;

/// <summary>The outcome of one <see cref="SimplexSampler"/> call.</summary>
/// <param name="Rows">Per prompt, in prompt order: the generated tokens and why the row stopped.</param>
/// <param name="BlocksDecoded">How many blocks were run (the same for every row of the batch).</param>
public sealed record SimplexGeneration(IReadOnlyList<SimplexRowResult> Rows, int BlocksDecoded);

/// <summary>What one prompt produced.</summary>
/// <param name="TokenIds">New tokens, without the end-of-sequence token and anything after it.</param>
/// <param name="EndOfSequence">True when the row stopped at the end-of-sequence token, false when it ran out of blocks.</param>
public sealed record SimplexRowResult(IReadOnlyList<int> TokenIds, bool EndOfSequence);
