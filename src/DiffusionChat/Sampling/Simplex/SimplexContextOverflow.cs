namespace DiffusionChat.Sampling.Simplex;

/// <summary>What the sampler does when context (prompt + finished blocks) plus the next block exceed the model's positions.</summary>
public enum SimplexContextOverflow
{
    /// <summary>Refuse up front: the longest prompt plus every block must fit (an <see cref="ArgumentException"/> says by how much it does not).</summary>
    Reject,

    /// <summary>
    /// Before each block, keep only the most recent context tokens that fit beside it (a sliding window; RoBERTa's
    /// absolute positions are renumbered from the first kept token).
    /// </summary>
    DropOldest,
}
