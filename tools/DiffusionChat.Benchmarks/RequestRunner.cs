using System.Diagnostics;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Benchmarks;

/// <summary>Sends a setting's requests through the public <see cref="Microsoft.Extensions.AI.IChatClient"/> and times them.</summary>
internal static class RequestRunner
{
    private static readonly string[] Topics = ["the tides", "a lighthouse", "bread", "winter birds", "old maps", "rain on a roof", "a chess opening", "river stones"];

    /// <summary>Runs every request of the setting at once (greedy, fixed seed) and returns the timings.</summary>
    public static async Task<RunSample> RunAsync(IChatClient client, BenchmarkSetting setting, int salt, CancellationToken cancellationToken)
    {
        var (wall, done) = await RunRequestsAsync(client, setting, salt, cancellationToken);
        return new RunSample(
            wall,
            BenchmarkResult.Median(done.Select(d => d.FirstTextSeconds)),
            BenchmarkResult.Median(done.Select(d => d.LatencySeconds)),
            done.Sum(d => d.Tokens),
            BenchmarkResult.Median(done.Select(d => (double)d.Passes / Math.Max(1, d.Tokens))));
    }

    /// <summary>
    /// Runs every request of the setting at once and returns the wall time (first request sent to last answer) and each
    /// request's own timings. Request <c>i</c> asks about topic <c>i + salt</c>, so two clients given the same salt are
    /// sent the same prompts.
    /// </summary>
    public static async Task<(double WallSeconds, RequestTiming[] Requests)> RunRequestsAsync(IChatClient client, BenchmarkSetting setting, int salt, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var requests = Enumerable.Range(0, setting.Concurrency)
            .Select(i => OneAsync(client, setting, Topics[(i + salt) % Topics.Length], clock, cancellationToken))
            .ToList();
        var done = await Task.WhenAll(requests);
        return (clock.Elapsed.TotalSeconds, done);
    }

    /// <summary>
    /// Sends the same requests as <see cref="RunRequestsAsync"/> with the same salt, one after another, and returns
    /// their answer tokens per second of wall time: the baseline that concurrency is measured against with answers of
    /// the same lengths (a trained model stops at the end of each answer, so one prompt alone says little).
    /// </summary>
    public static async Task<double> RunOneAtATimeAsync(IChatClient client, BenchmarkSetting setting, int salt, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (int i = 0; i < setting.Concurrency; i++)
        {
            tokens += (await OneAsync(client, setting, Topics[(i + salt) % Topics.Length], clock, cancellationToken)).Tokens;
        }

        return tokens / clock.Elapsed.TotalSeconds;
    }

    public static ChatOptions Options(BenchmarkSetting setting) => new()
    {
        MaxOutputTokens = setting.AnswerTokens,
        Temperature = 0,
        Seed = 1,
        RawRepresentationFactory = _ => setting.Diffusion,
    };

    private static async Task<RequestTiming> OneAsync(IChatClient client, BenchmarkSetting setting, string topic, Stopwatch clock, CancellationToken cancellationToken)
    {
        double start = clock.Elapsed.TotalSeconds;
        double? first = null;
        UsageDetails? usage = null;
        ChatMessage[] messages = [new(ChatRole.User, $"Write a long, detailed story about {topic}, with many small events and characters.")];
        await foreach (var update in client.GetStreamingResponseAsync(messages, Options(setting), cancellationToken))
        {
            if (first is null && !string.IsNullOrEmpty(update.Text))
            {
                first = clock.Elapsed.TotalSeconds - start;
            }

            usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
        }

        double latency = clock.Elapsed.TotalSeconds - start;
        long passes = usage?.AdditionalCounts?.GetValueOrDefault(DiffusionChatClient.ForwardPassesCountName) ?? 0;
        return new RequestTiming(first ?? latency, latency, usage?.OutputTokenCount ?? 0, passes);
    }
}
