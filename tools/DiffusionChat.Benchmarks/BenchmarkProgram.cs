namespace DiffusionChat.Benchmarks;

/// <summary>
/// The tool's commands behind its command line: picks the command, runs it, and turns a bad argument (exit 2) or a
/// failed exactness check (exit 3) into one line on <c>error</c> instead of a stack trace.
/// </summary>
internal static class BenchmarkProgram
{
    public const string Usage = "usage: make-tiny <dir> [--tokenizer DIR] | run --masked DIR [--simplex DIR] [--ar DIR] [--quick] [--repeats N] [--lengths a,b] [--concurrency a,b] [--docs DIR] | soak --masked DIR [--requests N] | http --masked DIR [--ar DIR] [--concurrency 1,8,32] [--rounds N] [--requests N] [--http-tokens N] [--docs DIR] | forward [--masked DIR] [--ar DIR] [--simplex DIR] [--batch N] [--rounds N] [--docs DIR]";

    /// <summary>Runs the command named by <paramref name="args"/>[0]; returns the process exit code.</summary>
    /// <param name="args">The command and its options.</param>
    /// <param name="error">Where usage and one-line errors go.</param>
    /// <param name="cancellationToken">Ctrl+C.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
            // Before any measurement: MKL picks its matrix kernels on its first product, as it does for an application
            // when it loads a model.
            DiffusionChat.Devices.MklCpuDispatch.EnsureApplied();
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
                    var report = await BenchmarkSuite.RunAsync(options, cancellationToken);
                    var charts = BenchmarkCharts.Write(report, Path.Combine(options.DocsFolder, "img"));
                    var doc = Path.Combine(options.DocsFolder, "benchmarks.md");
                    var markdown = report.ToMarkdown(charts, "img", clock.Elapsed);
                    // The http and forward commands' sections (and the findings written by hand next to the profile) are
                    // measured separately; a sweep rerun keeps them.
                    var previous = File.Exists(doc) ? await File.ReadAllTextAsync(doc, cancellationToken) : "";
                    foreach (var name in new[] { ForwardProfileCommand.SectionName, ForwardProfileCommand.FindingsSectionName, HttpComparisonCommand.SectionName })
                    {
                        if (MarkedSection.Find(previous, name) is { } kept)
                        {
                            markdown = MarkedSection.Write(markdown, name, kept);
                        }
                    }

                    await File.WriteAllTextAsync(doc, markdown, cancellationToken);
                    Console.WriteLine($"Wrote {doc} and {charts.Count} charts in {clock.Elapsed.TotalMinutes:F1} min.");
                    return 0;
                }

                case "soak":
                    return await SoakCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellationToken);

                case "http":
                    return await HttpComparisonCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellationToken);

                case "forward":
                    return await ForwardProfileCommand.RunAsync(BenchmarkArguments.Parse(args[0], args[1..]), cancellationToken);

                default:
                    error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (ArgumentException ex)
        {
            error.WriteLine(OneLine(ex.Message));
            return 2;
        }
        catch (BatchNotExactException ex)
        {
            error.WriteLine(OneLine(ex.Message));
            return 3;
        }
    }

    /// <summary>A message on one line (an <see cref="ArgumentOutOfRangeException"/> appends its parameter on a new one).</summary>
    private static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
