namespace DiffusionChat.Sampling.Sdar;

/// <summary>
/// The settings of SDAR's <c>block_diffusion_generate</c> (its argument names in brackets); defaults are those of
/// SDAR's <c>generate.py</c> command line.
/// </summary>
public sealed record BlockDiffusionOptions
{
    /// <summary>Tokens to generate (<c>gen_length</c>); the sequence is padded up to whole blocks.</summary>
    public int GenLength { get; init; } = 256;

    /// <summary>Block length (<c>block_length</c>); null = the model's <c>block_size</c>.</summary>
    public int? BlockLength { get; init; }

    /// <summary>Denoising steps per block (<c>denoising_steps</c>).</summary>
    public int DenoisingSteps { get; init; } = 4;

    /// <summary>
    /// Token temperature (<c>temperature</c>). 0 (our extension: the reference divides by it) picks the most probable
    /// token of the filtered distribution instead of drawing.
    /// </summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep the k most probable tokens, applied before top-p (<c>top_k</c>); 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus mass (<c>top_p</c>); 1 = off.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>How a step chooses the positions it commits (<c>remasking_strategy</c>).</summary>
    public SdarRemasking Remasking { get; init; } = SdarRemasking.LowConfidenceDynamic;

    /// <summary>The probability a drawn token must exceed to be committed early (<c>confidence_threshold</c>, dynamic only).</summary>
    public double ConfidenceThreshold { get; init; } = 0.85;

    /// <summary>
    /// Generation stops after the first block that holds one of these ids (<c>stopping_criteria_idx</c>); empty = never
    /// (the reference's default when called without them).
    /// </summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside its range (the message names it).</exception>
    /// <exception cref="ArgumentNullException"><see cref="StopTokenIds"/> is null.</exception>
    public void Validate()
    {
        if (GenLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(GenLength), GenLength, "GenLength must be at least 1.");
        }

        if (BlockLength is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockLength), BlockLength, "BlockLength must be at least 1 (or null for the model's block_size).");
        }

        if (DenoisingSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DenoisingSteps), DenoisingSteps, "DenoisingSteps must be at least 1.");
        }

        if (!(Temperature >= 0 && double.IsFinite(Temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number >= 0.");
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be >= 0 (0 = off).");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1] (1 = off).");
        }

        if (!Enum.IsDefined(Remasking))
        {
            throw new ArgumentOutOfRangeException(nameof(Remasking), Remasking, $"Remasking must be one of {string.Join(", ", Enum.GetNames<SdarRemasking>())}.");
        }

        if (!(ConfidenceThreshold >= 0 && ConfidenceThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceThreshold), ConfidenceThreshold, "ConfidenceThreshold must be in [0, 1].");
        }

        ArgumentNullException.ThrowIfNull(StopTokenIds, nameof(StopTokenIds));
    }
}
