using DiffusionChat.Generation;

namespace DiffusionChat.Benchmarks;

/// <summary>One point of a sweep: answer length, diffusion knobs and number of concurrent requests.</summary>
/// <param name="Sweep">The sweep it belongs to (length, cache, block, steps, threshold, concurrency).</param>
/// <param name="Series">The curve it is drawn on (e.g. "block 32, 8 steps").</param>
/// <param name="AnswerTokens">ChatOptions.MaxOutputTokens.</param>
/// <param name="Diffusion">Knobs (ignored by autoregressive models).</param>
/// <param name="Concurrency">Requests sent at once.</param>
internal sealed record BenchmarkSetting(string Sweep, string Series, int AnswerTokens, DiffusionGenerationOptions Diffusion, int Concurrency = 1);

/// <summary>One streamed request: time to its first text, to its last update, answer tokens and forward passes (from its usage).</summary>
internal sealed record RequestTiming(double FirstTextSeconds, double LatencySeconds, long Tokens, long Passes);

/// <summary>One timed run of a setting (all its concurrent requests).</summary>
/// <param name="WallSeconds">From sending the first request to the last answer.</param>
/// <param name="FirstBlockSeconds">Median over requests of the time to the first streamed text.</param>
/// <param name="LatencySeconds">Median over requests of the time to the full answer.</param>
/// <param name="OutputTokens">Answer tokens over all requests.</param>
/// <param name="PassesPerToken">
/// Median over requests of forward passes per answer token (batched requests share their passes, so each reports all
/// of them).
/// </param>
internal sealed record RunSample(double WallSeconds, double FirstBlockSeconds, double LatencySeconds, long OutputTokens, double PassesPerToken);

/// <summary>Medians over the repeated runs of one setting on one model.</summary>
internal sealed record BenchmarkResult(string Model, ModelFamily Family, BenchmarkSetting Setting, int Runs,
    double TokensPerSecond, double FirstBlockMs, double LatencyMs, double MsPerAnswerToken, double PassesPerToken, double OutputTokens)
{
    /// <summary>
    /// For a concurrency point above 1: median answer tokens/s of the same requests sent one at a time (same prompts,
    /// so answers of the same lengths); null otherwise.
    /// </summary>
    public double? OneAtATimeTokensPerSecond { get; init; }

    public static BenchmarkResult From(BenchmarkModel model, BenchmarkSetting setting, IReadOnlyList<RunSample> runs) => new(
        model.Name, model.Family, setting, runs.Count,
        TokensPerSecond: Median(runs.Select(r => r.OutputTokens / r.WallSeconds)),
        FirstBlockMs: Median(runs.Select(r => r.FirstBlockSeconds * 1000)),
        LatencyMs: Median(runs.Select(r => r.LatencySeconds * 1000)),
        MsPerAnswerToken: Median(runs.Select(r => r.WallSeconds * 1000 / r.OutputTokens)),
        PassesPerToken: Median(runs.Select(r => r.PassesPerToken)),
        OutputTokens: Median(runs.Select(r => (double)r.OutputTokens)));

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
