namespace DiffusionChat.Sampling.Simplex;

/// <summary>Settings of SSD-LM's block-wise simplex diffusion decoding (Han et al. 2023, Sec. 3).</summary>
/// <remarks>Immutable; <see cref="Validate"/> runs when a <see cref="SimplexSampler"/> is built from it.</remarks>
public sealed record SimplexSamplerOptions
{
    /// <summary>Tokens decoded per block (the paper's block size B, 25 in the paper). At least 1.</summary>
    public int BlockLength { get; init; } = 25;

    /// <summary>
    /// Diffusion steps per block (T; one model call each). Also the horizon of the timestep input t / T and of the
    /// cosine schedule. At least 1. The default favours quality; lower it for latency.
    /// </summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Upper bound on the number of blocks decoded per request (so on new tokens: MaxBlocks * BlockLength).</summary>
    public int MaxBlocks { get; init; } = 4;

    /// <summary>Nucleus mass for the projection, in (0, 1]. The top token is always kept.</summary>
    public double TopP { get; init; } = 0.2;

    /// <summary>K: the simplex value of a selected token (+K) and of all others (-K); the noise scale too. Above 0.</summary>
    public double SimplexValue { get; init; } = 5.0;

    /// <summary>Extra factor on the Gaussian noise (the reference's <c>noise_manual_scale</c>). At least 0.</summary>
    public double NoiseScale { get; init; } = 1.0;

    /// <summary>How predicted logits are projected back to the simplex at each step.</summary>
    public SimplexProjection Projection { get; init; } = SimplexProjection.TopPMultiHot;

    /// <summary>What happens when context plus the next block no longer fit the model's positions.</summary>
    public SimplexContextOverflow ContextOverflow { get; init; } = SimplexContextOverflow.Reject;

    /// <summary>
    /// Token that ends a row: decoding of that row stops after the block in which it appears and nothing from it on
    /// is returned. Null disables stopping (every row runs <see cref="MaxBlocks"/> blocks).
    /// </summary>
    public int? EndOfSequenceTokenId { get; init; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside its allowed range (the message says which).</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockLength, 1, nameof(BlockLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 1, nameof(Steps));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBlocks, 1, nameof(MaxBlocks));
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        }

        if (!(SimplexValue > 0) || double.IsInfinity(SimplexValue))
        {
            throw new ArgumentOutOfRangeException(nameof(SimplexValue), SimplexValue, "SimplexValue (K) must be finite and greater than 0.");
        }

        if (!(NoiseScale >= 0) || double.IsInfinity(NoiseScale))
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseScale), NoiseScale, "NoiseScale must be finite and at least 0.");
        }

        if (!Enum.IsDefined(Projection))
        {
            throw new ArgumentOutOfRangeException(nameof(Projection), Projection, $"Projection must be one of {string.Join(", ", Enum.GetNames<SimplexProjection>())}.");
        }

        if (!Enum.IsDefined(ContextOverflow))
        {
            throw new ArgumentOutOfRangeException(nameof(ContextOverflow), ContextOverflow, $"ContextOverflow must be one of {string.Join(", ", Enum.GetNames<SimplexContextOverflow>())}.");
        }

        if (EndOfSequenceTokenId is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(EndOfSequenceTokenId), EndOfSequenceTokenId, "EndOfSequenceTokenId must be a token id (>= 0) or null.");
        }
    }
}
