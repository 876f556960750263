using System.Diagnostics;
using System.Globalization;
using System.Text;
using DiffusionChat.Generation;
using DiffusionChat.Sampling;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// Many requests on one client: resident memory after warm-up vs at the end, and live tensors on the sampler threads,
/// written into docs/reliability.md between the soak markers.
/// </summary>
internal static class SoakCommand
{
    private const string Begin = "<!-- soak:begin -->", End = "<!-- soak:end -->";

    // Plain, cached and threshold decoding in turn, so every sampler path is soaked; short blocks with few steps keep
    // 1000 requests within minutes on a small CPU (leaks are per request, not per token).
    private static readonly DiffusionGenerationOptions Short = new() { BlockLength = 8, Steps = 2 };

    private static readonly (string Name, DiffusionGenerationOptions Knobs)[] Mix =
    [
        ("no cache", Short with { Cache = KeyValueCacheMode.None }),
        ("dual cache", Short with { Cache = KeyValueCacheMode.Dual }),
        ("threshold 0.9", Short with { ConfidenceThreshold = 0.9 }),
        ("prefix cache", Short with { Cache = KeyValueCacheMode.Prefix }),
    ];

    public static async Task<int> RunAsync(BenchmarkArguments args, CancellationToken cancellationToken)
    {
        var folder = args.MaskedFolders.Concat(args.AutoregressiveFolders).SingleOrDefault()
            ?? throw new ArgumentException("soak needs exactly one model folder (--masked DIR or --ar DIR).");
        var clock = Stopwatch.StartNew();
        using var model = BenchmarkModel.Load(folder, maxBatchSize: 16);
        var mix = PathsOf(model);

        // Why medians of windows: a single RSS reading swings by +-20 MiB depending on which cache mode the last batch
        // used and what the allocator kept, so one reading after warm-up against one at the end measured noise as often
        // as growth. Every round ends between batches (after the client's heap trim); the baseline is the median of the
        // readings in the window right after warm-up, the end figure the median of the last window.
        int warmup = Math.Max(20, args.Requests / 5);
        int window = Math.Max(args.SoakConcurrency * 5, args.Requests / 10);
        var trace = new List<(int Requests, double RssMiB, ResidentParts? Parts)>();
        var readings = new List<(int Requests, double RssMiB)>();
        int sent = 0;
        async Task SendAsync(int count)
        {
            for (int end = sent + count; sent < end;)
            {
                int round = Math.Min(args.SoakConcurrency, end - sent);
                var (name, knobs) = mix[sent / args.SoakConcurrency % mix.Length];
                var setting = new BenchmarkSetting("soak", name, args.SoakAnswerTokens, knobs, round);
                await RequestRunner.RunAsync(model.Client, setting, salt: sent, cancellationToken);
                sent += round;
                readings.Add((sent, MemoryProbe.ResidentMiB()));
                if (sent % 100 < round)
                {
                    trace.Add((sent, readings[^1].RssMiB, MemoryProbe.Parts()));
                    Console.WriteLine($"  {sent,5} requests: RSS {trace[^1].RssMiB:F1} MiB, max live tensors on a sampler thread {model.Tensors?.MaxLiveInWindow}");
                }
            }
        }

        await SendAsync(warmup);
        MemoryProbe.Settle();
        double warmManaged = GC.GetTotalMemory(forceFullCollection: true) / (1024.0 * 1024.0);
        long? warmTensors = model.Tensors?.MaxLiveInWindow;
        await SendAsync(args.Requests - warmup - window);
        model.Tensors?.ResetWindow();
        await SendAsync(window);
        long? endTensors = model.Tensors?.MaxLiveInWindow;
        MemoryProbe.Settle();
        double endManaged = GC.GetTotalMemory(forceFullCollection: true) / (1024.0 * 1024.0);
        var settled = MemoryProbe.Parts();
        double warmRss = Median(readings.Where(r => r.Requests > warmup && r.Requests <= warmup + window));
        double endRss = Median(readings.Where(r => r.Requests > args.Requests - window));
        double growth = (endRss - warmRss) / warmRss * 100;

        var section = Section(args, model, mix, warmup, window, (warmRss, endRss, growth), (warmManaged, endManaged), (warmTensors, endTensors), trace, settled, clock.Elapsed);
        Console.WriteLine(section);
        var doc = Path.Combine(args.DocsFolder, "reliability.md");
        var text = File.Exists(doc) ? File.ReadAllText(doc) : $"# Reliability\n\n{Begin}\n{End}\n";
        int a = text.IndexOf(Begin, StringComparison.Ordinal), b = text.IndexOf(End, StringComparison.Ordinal);
        text = a >= 0 && b > a ? text[..(a + Begin.Length)] + "\n" + section + text[b..] : text + $"\n{Begin}\n{section}{End}\n";
        File.WriteAllText(doc, text);
        Console.WriteLine($"Wrote the soak figures into {doc}.");
        return growth <= 5 ? 0 : 1;
    }

    private static double Median(IEnumerable<(int Requests, double RssMiB)> readings)
    {
        var sorted = readings.Select(r => r.RssMiB).Order().ToList();
        if (sorted.Count == 0)
        {
            throw new InvalidOperationException("No RSS readings in the window; send more requests.");
        }

        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // A model without a key/value cache soaks the other paths; the autoregressive baseline refuses diffusion knobs and
    // soaks its one path.
    private static (string Name, DiffusionGenerationOptions Knobs)[] PathsOf(BenchmarkModel model) =>
        model.Family == ModelFamily.Autoregressive ? [("autoregressive", new())] : Mix.Where(m => model.CanRun(m.Knobs)).ToArray();

    private static string Section(BenchmarkArguments args, BenchmarkModel model, (string Name, DiffusionGenerationOptions Knobs)[] mix, int warmup, int window, (double Warm, double End, double Growth) rss,
        (double Warm, double End) managed, (long? Warm, long? End) tensors, List<(int Requests, double RssMiB, ResidentParts? Parts)> trace,
        ResidentParts? settled, TimeSpan duration)
    {
        var (warmRss, endRss, growth) = rss;
        var (warmTensors, endTensors) = tensors;
        string environment = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is { } max ? $"MALLOC_ARENA_MAX={max}" : "MALLOC_ARENA_MAX unset (glibc default)";
        if (Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is { } gen0)
        {
            environment += $", DOTNET_GCgen0size={gen0}";
        }

        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineInfo.Describe()}; took {duration.TotalMinutes:F1} min.").AppendLine();
        md.AppendLine(c, $"Command: `{args.CommandLine}` ({environment})").AppendLine();
        md.AppendLine(c, $"Model `{model.Name}` ({model.Family}); {args.Requests} requests of {args.SoakAnswerTokens} answer tokens in 8-token blocks of 2 steps, {args.SoakConcurrency} at a time on one client, cycling {string.Join(", ", mix.Select(m => m.Name))}; the first {warmup} are warm-up. RSS is read after every round of {args.SoakConcurrency}, between batches.").AppendLine();
        md.AppendLine("| figure | value |");
        md.AppendLine("|---|---:|");
        md.AppendLine(c, $"| RSS after warm-up: median of the readings after each round, requests {warmup + 1}-{warmup + window} | {warmRss:F1} MiB |");
        md.AppendLine(c, $"| RSS at the end: median over the last {window} requests | {endRss:F1} MiB |");
        md.AppendLine(c, $"| growth after warm-up | {growth:F2} % (target <= 5 %: {(growth <= 5 ? "met" : "NOT met")}) |");
        md.AppendLine(c, $"| managed heap after full GC, warm-up / end | {managed.Warm:F1} / {managed.End:F1} MiB |");
        md.AppendLine(c, $"| peak RSS | {MemoryProbe.PeakResidentMiB():F1} MiB |");
        if (settled is not null)
        {
            // Read after the final full collection: the GC's committed figure is only refreshed by a collection.
            md.AppendLine(c, $"| GC-committed memory after the final full collection (part of RSS) | {settled.GcCommittedMiB:F1} MiB |");
        }

        md.AppendLine(c, $"| max live tensors on a sampler thread at a forward pass, warm-up window | {warmTensors?.ToString(c) ?? "n/a"} |");
        md.AppendLine(c, $"| same, last 10 % of requests | {endTensors?.ToString(c) ?? "n/a"} |").AppendLine();
        md.AppendLine("RSS every ~100 requests: " + string.Join(", ", trace.Select(t => string.Create(c, $"{t.Requests}: {t.RssMiB:F1}"))) + " (MiB).").AppendLine();
        var parts = trace.Where(t => t.Parts is not null).Select(t => (t.Requests, Parts: t.Parts!)).ToList();
        if (parts.Count > 0)
        {
            md.AppendLine("Same readings split (anonymous / mapped files): " + string.Join(", ",
                parts.Select(p => string.Create(c, $"{p.Requests}: {p.Parts.AnonymousMiB:F1} / {p.Parts.FileMiB:F1}"))) + " (MiB).").AppendLine();
        }

        return md.ToString();
    }
}
