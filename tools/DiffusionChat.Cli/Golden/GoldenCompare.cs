using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Cli.Golden;

/// <summary>Comparisons in the goldens README's terms (max |d| on floats, exact ids, -inf at the same places).</summary>
internal static class GoldenCompare
{
    /// <summary>max |actual - expected| over all entries (both moved to CPU float64).</summary>
    public static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual.cpu().to(float64) - expected.cpu().to(float64)).abs().max().item<double>();
    }

    /// <summary>
    /// max |d| on entries where the golden is above <paramref name="sentinel"/>; entries at or below it must be at or
    /// below it in <paramref name="actual"/> too (else +inf is returned).
    /// </summary>
    public static double MaxAbsDiffWithSentinel(Tensor actual, Tensor expected, double sentinel)
    {
        using var scope = NewDisposeScope();
        var a = actual.cpu().to(float64);
        var e = expected.cpu().to(float64);
        var isSentinel = e.IsAtMost(sentinel);
        if (a.masked_select(isSentinel).IsGreaterThan(sentinel).any().item<bool>())
        {
            return double.PositiveInfinity;
        }

        return (a - e).abs().FillMasked(isSentinel, 0).max().item<double>();
    }

    /// <summary>Whether two integer tensors are equal element-wise (shape included).</summary>
    public static bool IdsEqual(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return actual.shape.SequenceEqual(expected.shape) && actual.cpu().to(int64).eq(expected.cpu().to(int64)).all().item<bool>();
    }

    /// <summary>Finite entries within atol and -inf at the same places.</summary>
    public static bool ConfidenceClose(Tensor actual, Tensor expected, double atol)
    {
        using var scope = NewDisposeScope();
        var a = actual.cpu().to(float64);
        var e = expected.cpu().to(float64);
        if (!a.shape.SequenceEqual(e.shape))
        {
            return false;
        }

        var aInf = a.isinf();
        var eInf = e.isinf();
        if (!aInf.eq(eInf).all().item<bool>())
        {
            return false;
        }

        return (a - e).abs().FillMasked(eInf, 0).max().item<double>() <= atol;
    }
}
