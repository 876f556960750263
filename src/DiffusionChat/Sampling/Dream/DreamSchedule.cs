namespace DiffusionChat.Sampling.Dream;

/// <summary>
/// Dream's time grid and how many positions a step fills, in float32 as the reference computes them (the counts are
/// truncations, so the arithmetic has to be the same to the last bit).
/// </summary>
internal static class DreamSchedule
{
    /// <summary><c>linspace(1, eps, steps + 1)</c> in float32.</summary>
    /// <remarks>
    /// LibTorch's scalar linspace: the first half counts up from 1, the second half down from eps, each point one fused
    /// multiply-add. Its vectorised loop (16 points and more) rounds some points one ulp differently, depending on the
    /// CPU; the transfer counts are far from such differences (the goldens' closest count is 0.001 from an integer).
    /// </remarks>
    public static float[] Timesteps(int steps, double eps)
    {
        int points = steps + 1;
        float start = 1f, end = (float)eps;
        float step = (end - start) / steps;
        var grid = new float[points];
        for (int i = 0; i < points; i++)
        {
            grid[i] = i < points / 2 ? MathF.FusedMultiplyAdd(step, i, start) : MathF.FusedMultiplyAdd(-step, points - i - 1, end);
        }

        return grid;
    }

    /// <summary>
    /// Positions each row fills in step i: <c>int(masked * (1 - s / t))</c>, all remaining ones in the last step.
    /// </summary>
    /// <param name="masked">Masked positions per row (every row has as many: each fills the same count).</param>
    /// <param name="t">Time before the step.</param>
    /// <param name="s">Time after the step.</param>
    /// <param name="last">Whether this is the last step.</param>
    public static int TransferCount(int masked, float t, float s, bool last)
    {
        float share = 1f - (s / t);
        // The explicit float cast rounds the product to float32, as the reference does, before the truncation.
        return last ? masked : (int)(float)(masked * share);
    }

    /// <summary>Origin's per-position fill probability <c>1 - s / t</c> (1 in the last step).</summary>
    public static float FillProbability(float t, float s, bool last) => last ? 1f : 1f - (s / t);
}
