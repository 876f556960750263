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

    /// <summary>
    /// Block-causal masked models: lossless parallel decoding. The answer is the one greedy one-token-per-step
    /// decoding writes (block length 1, one step), but every forward pass also drafts the rest of the model's attention
    /// block and commits each draft that the one-token-per-step decoding confirms (draft and verify), so an answer the
    /// model drafts right takes fewer passes than tokens. Greedy only: with a temperature above 0 it decodes one token
    /// per pass. Cannot be combined with a <see cref="BlockLength"/> or <see cref="Steps"/> other than 1 or with a
    /// <see cref="ConfidenceThreshold"/>; a request that sets any of those and leaves this unset decodes as it asks.
    /// </summary>
    public bool? DraftAndVerify { get; init; }

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

        if (DraftAndVerify == true && (BlockLength is not (null or 1) || Steps is not (null or 1) || ConfidenceThreshold is not null))
        {
            throw new ArgumentException(
                $"DraftAndVerify reproduces one-token-per-step decoding, so it cannot be combined with BlockLength {BlockLength?.ToString() ?? "unset"}, Steps {Steps?.ToString() ?? "unset"} or ConfidenceThreshold {ConfidenceThreshold?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"}; allowed: BlockLength and Steps unset or 1, no ConfidenceThreshold.",
                nameof(DraftAndVerify));
        }
    }

    /// <summary>
    /// Returns a copy where every value set in <paramref name="overrides"/> replaces this one's. Overrides that choose a
    /// schedule (steps, block length or threshold) without saying <see cref="DraftAndVerify"/> turn it off: the request
    /// decodes as it asks.
    /// </summary>
    public DiffusionGenerationOptions With(DiffusionGenerationOptions? overrides)
    {
        if (overrides is null)
        {
            return this;
        }

        // Asking for draft and verify asks for its schedule (one token per step) over whatever schedule lies below.
        bool draftAsked = overrides.DraftAndVerify == true;
        return new()
        {
            Steps = overrides.Steps ?? (draftAsked ? 1 : Steps),
            BlockLength = overrides.BlockLength ?? (draftAsked ? 1 : BlockLength),
            Remasking = overrides.Remasking ?? Remasking,
            ConfidenceThreshold = overrides.ConfidenceThreshold ?? (draftAsked ? null : ConfidenceThreshold),
            Cache = overrides.Cache ?? Cache,
            DraftAndVerify = overrides.DraftAndVerify
                ?? (overrides.Steps is null && overrides.BlockLength is null && overrides.ConfidenceThreshold is null ? DraftAndVerify : null),
        };
    }
}
