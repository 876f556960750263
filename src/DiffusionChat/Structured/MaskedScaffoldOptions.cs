namespace DiffusionChat.Structured;

/// <summary>How a <see cref="MaskedScaffoldFiller"/> grows string values.</summary>
public sealed record MaskedScaffoldOptions
{
    /// <summary>
    /// Masked positions a string value grows by per block (default 4). Within a block each pass commits the most
    /// confident position plus every one at or above <see cref="ConfidenceThreshold"/>.
    /// </summary>
    public int BlockLength { get; init; } = 4;

    /// <summary>Commit threshold on p(x0) for parallel commits inside a block (default 0.9, Fast-dLLM's value); 1 commits one position per pass.</summary>
    public double ConfidenceThreshold { get; init; } = 0.9;

    /// <summary>
    /// Extra masked positions after the growing block (default 16): the model sees an answer that goes on, as in the
    /// free sampler's answer window, instead of a sequence that ends at the block.
    /// </summary>
    public int TailLength { get; init; } = 16;

    /// <summary>Throws when a setting is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockLength, 1, nameof(BlockLength));
        ArgumentOutOfRangeException.ThrowIfNegative(TailLength, nameof(TailLength));
        if (!(ConfidenceThreshold > 0 && ConfidenceThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceThreshold), ConfidenceThreshold, "ConfidenceThreshold must be in (0, 1].");
        }
    }
}
