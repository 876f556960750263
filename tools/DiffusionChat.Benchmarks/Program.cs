using DiffusionChat.Benchmarks;

// Commands:
//   make-tiny <dir> [--tokenizer DIR]       write random masked (dir/tiny-masked), autoregressive (dir/tiny-ar) and Dream
//                                           (dir/tiny-dream) folders
//   run --masked DIR [--simplex DIR] [--ar DIR] [--quick]   sweep and write docs/benchmarks.md + docs/img/*.png
//   soak --masked DIR [--requests 1000]     memory growth over many requests, written into docs/reliability.md
//   http --masked DIR [--ar DIR]            DiffusionChat.Server over loopback HTTP vs in-process at 1, 8, 32 clients,
//                                           written into its own section of docs/benchmarks.md (kept by run)
//   forward [--masked DIR] [--rounds 5]     where a forward pass spends its time; matmul peak and each model's pass
//                                           and sampler step as a share of it at 1 and 2 threads (own section, kept by run)
const string Usage = "usage: make-tiny <dir> [--tokenizer DIR] | run --masked DIR [--simplex DIR] [--ar DIR] [--quick] [--repeats N] [--lengths a,b] [--concurrency a,b] [--docs DIR] | soak --masked DIR [--requests N] | http --masked DIR [--ar DIR] [--concurrency 1,8,32] [--rounds N] [--requests N] [--http-tokens N] [--docs DIR] | forward [--masked DIR] [--rounds N] [--docs DIR]";

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    switch (args.FirstOrDefault())
    {
        case "help":
        case var _ when args.Any(a => a is "-h" or "--help"):
            Console.WriteLine(Usage);
            return 0;

        case "make-tiny" when args.Length >= 2:
        {
            int t = Array.IndexOf(args, "--tokenizer");
            string tokenizer = t > 0 && t + 1 < args.Length ? args[t + 1] : Path.Combine("models", "tokenizer");
            var masked = TinyModelFolders.WriteMasked(Path.Combine(args[1], "tiny-masked"), tokenizer);
            var ar = TinyModelFolders.WriteAutoregressive(Path.Combine(args[1], "tiny-ar"), tokenizer);
            var dream = TinyModelFolders.WriteDream(Path.Combine(args[1], "tiny-dream"), tokenizer);
            Console.WriteLine($"{masked}: {TinyModelFolders.ParameterCount(masked):N0} parameters");
            Console.WriteLine($"{ar}: {TinyModelFolders.ParameterCount(ar):N0} parameters");
            Console.WriteLine($"{dream}: {TinyModelFolders.ParameterCount(dream):N0} parameters");
            return 0;
        }

        case "run":
        {
            var options = BenchmarkArguments.Parse(args[0], args[1..]);
            if (options.MaskedFolders.Count + options.SimplexFolders.Count + options.AutoregressiveFolders.Count == 0)
            {
                throw new ArgumentException("run needs at least one model folder: --masked DIR, --simplex DIR and/or --ar DIR.");
            }

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = await BenchmarkSuite.RunAsync(options, cancellation.Token);
            var charts = BenchmarkCharts.Write(report, Path.Combine(options.DocsFolder, "img"));
            var doc = Path.Combine(options.DocsFolder, "benchmarks.md");
            var markdown = report.ToMarkdown(charts, "img", clock.Elapsed);
            // The http and forward commands' sections (and the findings written by hand next to the profile) are
            // measured separately; a sweep rerun keeps them.
            var previous = File.Exists(doc) ? await File.ReadAllTextAsync(doc, cancellation.Token) : "";
            foreach (var name in new[] { ForwardProfileCommand.SectionName, ForwardProfileCommand.FindingsSectionName, HttpComparisonCommand.SectionName })
            {
                if (MarkedSection.Find(previous, name) is { } kept)
                {
                    markdown = MarkedSection.Write(markdown, name, kept);
                }
            }

            await File.WriteAllTextAsync(doc, markdown, cancellation.Token);
            Console.WriteLine($"Wrote {doc} and {charts.Count} charts in {clock.Elapsed.TotalMinutes:F1} min.");
            return 0;
        }

        case "soak":
            return await SoakCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellation.Token);

        case "http":
            return await HttpComparisonCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellation.Token);

        case "forward":
            return await ForwardProfileCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellation.Token);

        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
