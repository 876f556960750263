using ScottPlot;

namespace DiffusionChat.Benchmarks;

/// <summary>PNG charts of a report (ScottPlot).</summary>
internal static class BenchmarkCharts
{
    /// <summary>Writes the charts into <paramref name="folder"/> and returns their file names.</summary>
    public static List<(string File, string Title)> Write(BenchmarkReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<(string, string)>();
        var lengthSeries = report.Results.Where(r => r.Setting.Sweep is BenchmarkPlan.Length or BenchmarkPlan.Cache).ToList();
        if (lengthSeries.Count > 0)
        {
            written.Add(Lines(folder, "tokens-per-second-vs-length.png", "Tokens/s vs answer length", "answer tokens", "tokens / s",
                lengthSeries, r => r.Setting.AnswerTokens, r => r.TokensPerSecond));
            written.Add(Lines(folder, "ms-per-token-caches.png", "Time per answer token vs length, caches off/on", "answer tokens", "ms per answer token",
                lengthSeries,
                r => r.Setting.AnswerTokens, r => r.MsPerAnswerToken));
        }

        var concurrency = report.Results.Where(r => r.Setting.Sweep == BenchmarkPlan.Concurrency).ToList();
        if (concurrency.Count > 0)
        {
            written.Add(Lines(folder, "throughput-vs-concurrency.png", "Throughput vs concurrent requests", "concurrent requests", "answer tokens / s (all requests)",
                concurrency, r => r.Setting.Concurrency, r => r.TokensPerSecond));
        }

        var steps = report.Results.Where(r => r.Setting.Sweep is BenchmarkPlan.Steps).ToList();
        if (steps.Count > 0)
        {
            written.Add(Lines(folder, "tokens-per-second-vs-steps.png", "Tokens/s vs steps per 32-token block", "steps per block", "tokens / s",
                steps.Select(r => r with { Setting = r.Setting with { Series = "block 32, no cache" } }).ToList(), r => r.Setting.Diffusion.Steps ?? 0, r => r.TokensPerSecond));
        }

        return written;
    }

    private static (string, string) Lines(string folder, string file, string title, string x, string y,
        List<BenchmarkResult> results, Func<BenchmarkResult, double> xOf, Func<BenchmarkResult, double> yOf)
    {
        var plot = new Plot();
        foreach (var group in results.GroupBy(r => $"{r.Model}: {r.Setting.Series}"))
        {
            var points = group.OrderBy(xOf).ToArray();
            var scatter = plot.Add.Scatter(points.Select(xOf).ToArray(), points.Select(yOf).ToArray());
            scatter.LegendText = group.Key;
            scatter.MarkerSize = 6;
        }

        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        plot.ShowLegend(Edge.Right);
        plot.SavePng(Path.Combine(folder, file), 1200, 560);
        return (file, title);
    }
}
