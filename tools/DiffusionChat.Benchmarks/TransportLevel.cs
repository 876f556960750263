namespace DiffusionChat.Benchmarks;

/// <summary>
/// What one path (HTTP or in-process) measured at one number of concurrent clients, over all its rounds.
/// </summary>
/// <param name="Model">Model id.</param>
/// <param name="Transport"><see cref="Http"/> or <see cref="InProcess"/>.</param>
/// <param name="Concurrency">Clients streaming at once in a round.</param>
/// <param name="Rounds">Each round's wall time (first request sent to last answer) and answer tokens, in the order run.</param>
/// <param name="Requests">Every request's timings.</param>
/// <param name="LoadAverage">The 1-minute load average at the start and end of the level (both paths share it).</param>
internal sealed record TransportLevel(string Model, string Transport, int Concurrency, IReadOnlyList<RoundSample> Rounds,
    IReadOnlyList<RequestTiming> Requests, (double Start, double End) LoadAverage)
{
    public const string Http = "HTTP", InProcess = "in-process";

    public long Tokens => Requests.Sum(r => r.Tokens);

    /// <summary>
    /// Answer tokens of all clients per second of a round, median over rounds: a round that a burst of background load
    /// hit moves the median less than it would move a total.
    /// </summary>
    public double TokensPerSecond => BenchmarkResult.Median(Rounds.Select(r => r.TokensPerSecond));

    public double FirstBlockMs(double percentile) => Percentile(Requests.Select(r => r.FirstTextSeconds * 1000), percentile);

    public double LatencyMs(double percentile) => Percentile(Requests.Select(r => r.LatencySeconds * 1000), percentile);

    /// <summary>
    /// Median over rounds of this path's tokens/s divided by <paramref name="baseline"/>'s in the same round: the two ran
    /// back to back with the same prompts, so each pair saw nearly the same background load.
    /// </summary>
    public double PairedRatio(TransportLevel baseline) =>
        BenchmarkResult.Median(Rounds.Zip(baseline.Rounds, (mine, theirs) => mine.TokensPerSecond / theirs.TokensPerSecond));

    /// <summary>Nearest-rank percentile: the smallest value with at least <paramref name="percentile"/> % of the values at or below it.</summary>
    public static double Percentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>One round of one path: its wall time and the answer tokens of all its requests.</summary>
internal sealed record RoundSample(double WallSeconds, long Tokens)
{
    public double TokensPerSecond => Tokens / WallSeconds;
}
