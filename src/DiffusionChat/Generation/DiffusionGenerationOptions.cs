using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>
/// The diffusion-specific knobs of one request. Every property is optional: null means "the model's default" (from
/// the client options, else the checkpoint's model card defaults).
/// </summary>
/// <remarks>
/// Reach it from <c>ChatOptions</c> either through <c>RawRepresentationFactory</c> (return an instance of this record)
/// or through the <c>AdditionalProperties</c> keys in <see cref="Chat.DiffusionPropertyNames"/>.
/// </remarks>
public sealed record DiffusionGenerationOptions
{
    /// <summary>Denoising steps per block (masked: the most forward passes a block may take; simplex: decode steps).</summary>
    public int? Steps { get; init; }

    /// <summary>Answer positions generated together as one block (semi-autoregressive, left to right).</summary>
    public int? BlockLength { get; init; }

    /// <summary>Masked models: which predicted positions are committed first.</summary>
    public RemaskingStrategy? Remasking { get; init; }

    /// <summary>
    /// Masked models: Fast-dLLM confidence-threshold decoding; each step commits the most confident position plus every
    /// position whose confidence is at least this value. In (0, 1]; null keeps the fixed per-step schedule.
    /// </summary>
    public double? ConfidenceThreshold { get; init; }

    /// <summary>Masked models: key/value cache mode.</summary>
    public KeyValueCacheMode? Cache { get; init; }

    /// <summary>Throws when a set value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its allowed range (the message names it).</exception>
    public void Validate()
    {
        if (Steps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"Steps must be at least 1; got {Steps}.");
        }

        if (BlockLength is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockLength), BlockLength, $"BlockLength must be at least 1; got {BlockLength}.");
        }

        if (ConfidenceThreshold is { } t && (!(t > 0) || t > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceThreshold), t, $"ConfidenceThreshold must be in (0, 1]; got {t}.");
        }

        if (Remasking is { } r && !Enum.IsDefined(r))
        {
            throw new ArgumentOutOfRangeException(nameof(Remasking), r, $"Remasking '{r}' is not one of {string.Join(", ", Enum.GetNames<RemaskingStrategy>())}.");
        }

        if (Cache is { } c && !Enum.IsDefined(c))
        {
            throw new ArgumentOutOfRangeException(nameof(Cache), c, $"Cache '{c}' is not one of {string.Join(", ", Enum.GetNames<KeyValueCacheMode>())}.");
        }
    }

    /// <summary>Returns a copy where every value set in <paramref name="overrides"/> replaces this one's.</summary>
    public DiffusionGenerationOptions With(DiffusionGenerationOptions? overrides) => overrides is null ? this : new()
    {
        Steps = overrides.Steps ?? Steps,
        BlockLength = overrides.BlockLength ?? BlockLength,
        Remasking = overrides.Remasking ?? Remasking,
        ConfidenceThreshold = overrides.ConfidenceThreshold ?? ConfidenceThreshold,
        Cache = overrides.Cache ?? Cache,
    };
}
