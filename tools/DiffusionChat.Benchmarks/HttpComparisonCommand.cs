using System.Diagnostics;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// <c>http</c>: the same streaming requests through DiffusionChat.Server over loopback HTTP and through the in-process
/// <see cref="IChatClient"/>, at 1, 8 and 32 concurrent clients; written into docs/benchmarks.md with a chart.
/// </summary>
/// <remarks>
/// The machine this runs on is shared, so the two paths are interleaved round by round (and which goes first
/// alternates) to let background load hit both alike; the ratio HTTP / in-process within a level is the result, the
/// absolute figures depend on the load that was there.
/// </remarks>
internal static class HttpComparisonCommand
{
    public const string SectionName = "http";

    public static async Task<int> RunAsync(BenchmarkArguments args, CancellationToken cancellationToken)
    {
        var folders = args.MaskedFolders.Concat(args.AutoregressiveFolders).Concat(args.SimplexFolders).ToList();
        if (folders.Count == 0)
        {
            throw new ArgumentException("http needs at least one model folder: --masked DIR and/or --ar DIR.");
        }

        var clock = Stopwatch.StartNew();
        var levels = new List<TransportLevel>();
        var models = new List<(string Model, string Defaults)>();
        foreach (var folder in folders)
        {
            var measured = await MeasureAsync(folder, args, cancellationToken);
            levels.AddRange(measured);
            models.Add((measured[0].Model, GenerationDefaults(folder)));
        }

        var doc = Path.Combine(args.DocsFolder, "benchmarks.md");
        var charts = HttpComparisonReport.WriteCharts(levels, Path.Combine(args.DocsFolder, "img"));
        var section = HttpComparisonReport.ToMarkdown(args, models, levels, charts, "img", clock.Elapsed);
        var text = File.Exists(doc) ? await File.ReadAllTextAsync(doc, cancellationToken) : "# Benchmarks\n";
        await File.WriteAllTextAsync(doc, MarkedSection.Write(text, SectionName, section), cancellationToken);
        Console.WriteLine(section);
        Console.WriteLine($"Wrote the HTTP comparison into {doc} in {clock.Elapsed.TotalMinutes:F1} min.");
        return 0;
    }

    private static async Task<List<TransportLevel>> MeasureAsync(string folder, BenchmarkArguments args, CancellationToken cancellationToken)
    {
        await using var server = await LoopbackServerHost.StartAsync(folder, cancellationToken);
        using var remote = server.CreateRemoteClient();
        (string Name, IChatClient Client)[] paths = [(TransportLevel.InProcess, server.InProcess), (TransportLevel.Http, remote)];
        Console.WriteLine($"{server.ModelId}: server at {server.BaseAddress}, {args.HttpAnswerTokens} answer tokens per request, model's own diffusion defaults");

        // One warm-up round per path at the highest level: JIT of both paths and the HTTP connection pool.
        foreach (var (_, client) in paths)
        {
            await RequestRunner.RunRequestsAsync(client, Setting(args, args.ConcurrencyLevels.Max()), salt: 0, cancellationToken);
        }

        var levels = new List<TransportLevel>();
        foreach (int clients in args.ConcurrencyLevels)
        {
            // Enough rounds for a median of paired ratios to shrug off bursts of background load, and enough requests
            // per path that p95 rests on more than a few values.
            int rounds = Math.Max(args.Rounds, (args.Requests + clients - 1) / clients);
            double loadStart = MachineInfo.LoadAverage();
            var measured = paths.ToDictionary(p => p.Name, _ => (Rounds: new List<RoundSample>(), Requests: new List<RequestTiming>()));
            for (int round = 0; round < rounds; round++)
            {
                foreach (var (name, client) in round % 2 == 0 ? paths : paths.AsEnumerable().Reverse().ToArray())
                {
                    // The same salt for both paths: the same prompts in the same order.
                    var (wall, requests) = await RequestRunner.RunRequestsAsync(client, Setting(args, clients), salt: round, cancellationToken);
                    measured[name].Rounds.Add(new RoundSample(wall, requests.Sum(r => r.Tokens)));
                    measured[name].Requests.AddRange(requests);
                }
            }

            var load = (Start: loadStart, End: MachineInfo.LoadAverage());
            foreach (var (name, _) in paths)
            {
                var level = new TransportLevel(server.ModelId, name, clients, measured[name].Rounds, measured[name].Requests, load);
                levels.Add(level);
                Console.WriteLine($"  {clients,2} clients {name,-10}: {level.TokensPerSecond,8:F1} tok/s, first block p50 {level.FirstBlockMs(50),7:F0} ms p95 {level.FirstBlockMs(95),7:F0} ms, " +
                    $"total p50 {level.LatencyMs(50),7:F0} ms p95 {level.LatencyMs(95),7:F0} ms, " +
                    $"{level.Requests.Count} requests, {level.Tokens} tokens, load {load.Start:F2}-{load.End:F2}");
            }
        }

        return levels;
    }

    /// <summary>The folder's <c>generation_defaults</c> (config.json), which requests without knobs run with.</summary>
    private static string GenerationDefaults(string folder)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        return config?["generation_defaults"] is System.Text.Json.Nodes.JsonObject defaults
            ? string.Join(", ", defaults.Select(kv => $"{kv.Key} {kv.Value}"))
            : "no diffusion knobs (autoregressive)";
    }

    private static BenchmarkSetting Setting(BenchmarkArguments args, int clients) =>
        new("http", "model defaults", args.HttpAnswerTokens, new DiffusionGenerationOptions(), clients);
}
