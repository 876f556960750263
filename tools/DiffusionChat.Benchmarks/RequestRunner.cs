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
        var clock = Stopwatch.StartNew();
        var requests = Enumerable.Range(0, setting.Concurrency)
            .Select(i => OneAsync(client, setting, Topics[(i + salt) % Topics.Length], clock, cancellationToken))
            .ToList();
        var done = await Task.WhenAll(requests);
        double wall = clock.Elapsed.TotalSeconds;
        return new RunSample(
            wall,
            BenchmarkResult.Median(done.Select(d => d.FirstText)),
            BenchmarkResult.Median(done.Select(d => d.Latency)),
            done.Sum(d => d.Tokens),
            BenchmarkResult.Median(done.Select(d => (double)d.Passes / Math.Max(1, d.Tokens))));
    }

    public static ChatOptions Options(BenchmarkSetting setting) => new()
    {
        MaxOutputTokens = setting.AnswerTokens,
        Temperature = 0,
        Seed = 1,
        RawRepresentationFactory = _ => setting.Diffusion,
    };

    private static async Task<(double FirstText, double Latency, long Tokens, long Passes)> OneAsync(
        IChatClient client, BenchmarkSetting setting, string topic, Stopwatch clock, CancellationToken cancellationToken)
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
        return (first ?? latency, latency, usage?.OutputTokenCount ?? 0, passes);
    }
}
