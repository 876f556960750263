namespace DiffusionChat.Sampling.Dream;

/// <summary>
/// The settings of Dream's <c>diffusion_generate</c> (its <c>DreamGenerationConfig</c> names in brackets). Defaults
/// are the ones the reference applies when a Hugging Face flow calls it without them (transformers 4.4x model configs:
/// temperature 1.0 and top-k 50, not <c>DreamGenerationConfig</c>'s 0.0 / none).
/// </summary>
public sealed record DreamSamplerOptions
{
    /// <summary>Answer length in tokens, all masked at the start (<c>max_new_tokens</c>).</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Denoising steps over the whole answer (<c>steps</c>).</summary>
    public int Steps { get; init; } = 256;

    /// <summary>The last time of the schedule <c>linspace(1, eps, steps + 1)</c> (<c>eps</c>).</summary>
    public double Eps { get; init; } = 1e-3;

    /// <summary>How a step chooses the positions it fills (<c>alg</c>).</summary>
    public DreamUnmasking Unmasking { get; init; } = DreamUnmasking.Origin;

    /// <summary>
    /// With a positive value the confidence-ordered algorithms draw the filled positions from <c>softmax(confidence /
    /// alg_temp)</c> instead of taking the top ones (<c>alg_temp</c>); null or 0 = top ones.
    /// </summary>
    public double? AlgorithmTemperature { get; init; }

    /// <summary>Token temperature; 0 = the most probable token (<c>temperature</c>).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass, applied before top-k (<c>top_p</c>); null or 1 = off.</summary>
    public double? TopP { get; init; }

    /// <summary>Keep the k most probable tokens, applied after top-p (<c>top_k</c>); null = off.</summary>
    public int? TopK { get; init; } = 50;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside its range (the message names it).</exception>
    public void Validate()
    {
        if (MaxNewTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 1.");
        }

        if (Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "Steps must be at least 1.");
        }

        if (!(Eps > 0 && Eps < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Eps), Eps, "Eps must be in (0, 1).");
        }

        if (!Enum.IsDefined(Unmasking))
        {
            throw new ArgumentOutOfRangeException(nameof(Unmasking), Unmasking, $"Unmasking must be one of {string.Join(", ", Enum.GetNames<DreamUnmasking>())}.");
        }

        if (AlgorithmTemperature is { } algTemp && !(algTemp >= 0 && double.IsFinite(algTemp)))
        {
            throw new ArgumentOutOfRangeException(nameof(AlgorithmTemperature), algTemp, "AlgorithmTemperature must be a finite number >= 0 (or null).");
        }

        if (!(Temperature >= 0 && double.IsFinite(Temperature)))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number >= 0.");
        }

        if (TopP is { } topP && !(topP > 0 && topP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), topP, "TopP must be in (0, 1] (or null).");
        }

        if (TopK is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be at least 1 (or null).");
        }
    }
}
