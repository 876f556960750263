using System.Globalization;

namespace DiffusionChat.Benchmarks;

/// <summary>Number formatting of the generated reports: invariant culture, so a report reads the same on every machine.</summary>
internal static class ReportFormat
{
    /// <summary><paramref name="value"/> in <paramref name="format"/> (one decimal by default).</summary>
    public static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
}
