namespace DiffusionChat.Benchmarks;

/// <summary>Runs the plan on every model folder: one warm-up run per setting, then repeated timed runs.</summary>
internal static class BenchmarkSuite
{
    public static async Task<BenchmarkReport> RunAsync(BenchmarkArguments args, CancellationToken cancellationToken)
    {
        var report = new BenchmarkReport(args);
        var models = args.MaskedFolders.Select(f => (Folder: f, Plan: BenchmarkPlan.Masked(args)))
            .Concat(args.SimplexFolders.Select(f => (Folder: f, Plan: BenchmarkPlan.Simplex(args))))
            .Concat(args.AutoregressiveFolders.Select(f => (Folder: f, Plan: BenchmarkPlan.Autoregressive(args))));
        foreach (var (folder, plan) in models)
        {
            MemoryProbe.Settle();
            double before = MemoryProbe.ResidentMiB();
            using var model = BenchmarkModel.Load(folder, maxBatchSize: Math.Max(16, args.ConcurrencyLevels.Max()));
            if (plan.RemoveAll(s => !model.CanRun(s.Diffusion)) > 0)
            {
                Console.WriteLine($"{model.Name}: cached settings skipped, the model has no key/value cache");
            }

            if (plan.Any(s => s.Series == BenchmarkPlan.ModelDefaults))
            {
                using var checkpoint = DiffusionChat.Checkpoints.CheckpointFolder.Open(folder);
                report.Defaults[model.Name] = checkpoint.Config.TryGetProperty(DiffusionChat.Generation.GenerationDefaults.ConfigKey, out var d) ? d.GetRawText().ReplaceLineEndings("").Replace("  ", "", StringComparison.Ordinal) : "none";
            }

            var memory = new ModelMemory(model.Name, TinyModelFolders.ParameterCount(folder), before, MemoryProbe.ResidentMiB());
            Console.WriteLine($"{model.Name} ({model.Family}, {memory.Parameters:N0} parameters): {plan.Count} settings, up to {args.Repeats} timed runs each after one warm-up run");
            // One warm-up run per model (JIT, allocator, thread pool); settings then reuse the warm process.
            await RequestRunner.RunAsync(model.Client, plan[0], salt: 0, cancellationToken);
            model.Tensors?.ResetWindow();
            foreach (var setting in plan)
            {
                var runs = new List<RunSample>();
                for (int r = 0; r < Repeats(args, setting); r++)
                {
                    runs.Add(await RequestRunner.RunAsync(model.Client, setting, salt: r + 1, cancellationToken));
                }

                var result = BenchmarkResult.From(model, setting, runs);
                if (setting.Sweep == BenchmarkPlan.Concurrency && setting.Concurrency > 1)
                {
                    var alone = new List<double>();
                    for (int r = 0; r < Repeats(args, setting); r++)
                    {
                        alone.Add(await RequestRunner.RunOneAtATimeAsync(model.Client, setting, salt: r + 1, cancellationToken));
                    }

                    result = result with { OneAtATimeTokensPerSecond = BenchmarkResult.Median(alone) };
                }

                report.Results.Add(result);
                Console.WriteLine($"  {setting.Sweep,-11} {setting.Series,-36} n={setting.AnswerTokens,4} c={setting.Concurrency,2}: " +
                    $"{result.TokensPerSecond,8:F1} tok/s, first {result.FirstBlockMs,8:F0} ms, total {result.LatencyMs,8:F0} ms, {result.PassesPerToken:F2} passes/tok");
            }

            MemoryProbe.Settle();
            report.Memory.Add(memory with { SteadyMiB = MemoryProbe.ResidentMiB(), PeakMiB = MemoryProbe.PeakResidentMiB(), MaxLiveTensors = model.Tensors?.MaxLiveInWindow });
        }

        return report;
    }

    // A 512-token answer takes about a minute per run here; fewer repeats keep a full run near 10 minutes.
    private static int Repeats(BenchmarkArguments args, BenchmarkSetting setting) =>
        setting.AnswerTokens >= 512 ? 1 : setting.AnswerTokens >= 256 ? Math.Min(2, args.Repeats) : args.Repeats;
}

/// <summary>Memory of one model: resident size before and after loading, after the sweeps, and the peak.</summary>
internal sealed record ModelMemory(string Model, long Parameters, double BeforeLoadMiB, double LoadedMiB)
{
    public double SteadyMiB { get; init; }

    public double PeakMiB { get; init; }

    public long? MaxLiveTensors { get; init; }
}
