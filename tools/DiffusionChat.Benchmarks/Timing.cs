using System.Diagnostics;
using static TorchSharp.torch;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// The clocks the <c>forward</c> command's profiles share: median wall time of a call, and the matmul peak (a pass's
/// dense products run as plain matmuls of preallocated operands).
/// </summary>
internal static class Timing
{
    /// <summary>Median ms per call of <paramref name="action"/> over <paramref name="repeats"/> calls (after one untimed call).</summary>
    public static double Time(Action action, int repeats)
    {
        action();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }

        return Median(times);
    }

    /// <summary>ms of one call of <paramref name="action"/> (no warm-up; for calls long enough to time once).</summary>
    public static double Once(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>ms of the pass's dense products, run in order as plain matmuls of preallocated operands.</summary>
    public static double Matmuls(ForwardShapes shapes)
    {
        using var scope = NewDisposeScope();
        var operands = shapes.Products().Select(p => (A: randn(p.M, p.K), B: randn(p.K, p.N))).ToList();
        return Time(
            () =>
            {
                using var inner = NewDisposeScope();
                foreach (var (a, b) in operands)
                {
                    a.matmul(b);
                }
            },
            5);
    }

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    /// <exception cref="ArgumentException">No values.</exception>
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
