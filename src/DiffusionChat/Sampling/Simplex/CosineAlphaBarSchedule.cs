namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// The cosine noise schedule of Nichol and Dhariwal (2021) that SSD-LM uses:
/// <c>alpha_bar(t) = f(t) / f(0)</c>, <c>f(t) = cos(((t / T) + s) / (1 + s) * pi / 2)^2</c>, s = 1e-4.
/// <c>alpha_bar(0) = 1</c> (clean), <c>alpha_bar(T)</c> close to 0 (pure noise).
/// </summary>
public sealed class CosineAlphaBarSchedule
{
    /// <summary>The offset s that keeps <c>alpha_bar</c> away from singular values near t = 0.</summary>
    public const double Offset = 1e-4;

    private readonly double[] alphaBar;

    /// <summary>Precomputes <c>alpha_bar(0..T)</c>.</summary>
    /// <param name="totalSteps">T, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="totalSteps"/> is below 1.</exception>
    public CosineAlphaBarSchedule(int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        TotalSteps = totalSteps;
        alphaBar = new double[totalSteps + 1];
        var f0 = F(0, totalSteps);
        for (int t = 0; t <= totalSteps; t++)
        {
            alphaBar[t] = F(t, totalSteps) / f0;
        }
    }

    /// <summary>T.</summary>
    public int TotalSteps { get; }

    /// <summary><c>alpha_bar(t)</c>: the share of signal variance left at step t.</summary>
    /// <param name="t">Step 0..T.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is outside 0..T.</exception>
    public double AlphaBar(int t)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(t, TotalSteps);
        return alphaBar[t];
    }

    private static double F(int t, int totalSteps)
    {
        var c = Math.Cos(((double)t / totalSteps + Offset) / (1 + Offset) * Math.PI / 2);
        return c * c;
    }
}
