namespace DiffusionChat.Structured;

/// <summary>How a <see cref="MaskedScaffoldFiller"/> grows string values.</summary>
public sealed record MaskedScaffoldOptions
{
    /// <summary>
    /// Masked positions a string value grows by per block (default 4; see <see cref="ForModelDefaultBlockLength"/> for
    /// what the scaffolding middleware uses). Within a block each pass commits the most confident position plus every one
    /// at or above <see cref="ConfidenceThreshold"/>.
    /// </summary>
    public int BlockLength { get; init; } = 4;

    /// <summary>Commit threshold on p(x0) for parallel commits inside a block (default 0.9, Fast-dLLM's value); 1 commits one position per pass.</summary>
    public double ConfidenceThreshold { get; init; } = 0.9;

    /// <summary>
    /// Extra masked positions after the growing block (default 16): the model sees an answer that goes on, as in the
    /// free sampler's answer window, instead of a sequence that ends at the block.
    /// </summary>
    public int TailLength { get; init; } = 16;

    /// <summary>
    /// The settings a model gets when none are given: value blocks as long as the checkpoint's own default block length,
    /// at most 4. A model trained to decode left to right (the shipped dc-masked: block 1) keeps doing so inside values;
    /// committing several value positions in one pass cost it 2 of 66 held-out calls (<c>Antwer</c> for <c>Antwerp</c>)
    /// at no gain in passes (docs/structured.md).
    /// </summary>
    /// <param name="defaultBlockLength">The checkpoint's default block length (<c>DefaultDiffusion.BlockLength</c>); null means 4.</param>
    /// <returns>The settings.</returns>
    public static MaskedScaffoldOptions ForModelDefaultBlockLength(int? defaultBlockLength) =>
        new() { BlockLength = Math.Clamp(defaultBlockLength ?? 4, 1, 4) };

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
