using DiffusionChat.Generation;
using DiffusionChat.Sampling;

namespace DiffusionChat.Benchmarks;

/// <summary>The sweeps a benchmark run measures; <c>--quick</c> shrinks every axis.</summary>
internal static class BenchmarkPlan
{
    /// <summary>The reference series: 32-token blocks, 8 steps each (4 tokens per forward pass), no cache.</summary>
    public const string NoCache = "block 32, 8 steps, no cache";

    public const string Length = "length", Cache = "cache", Block = "block", Steps = "steps", Threshold = "threshold", Concurrency = "concurrency";

    /// <summary>The series at the model's own <c>generation_defaults</c> (no diffusion knob set): what a user gets.</summary>
    public const string ModelDefaults = "model defaults";

    /// <summary>Settings for a masked diffusion model.</summary>
    /// <remarks>
    /// The length and concurrency sweeps run twice: at the reference series and at the model's defaults, because the
    /// shipped block-causal model decodes at settings (1-token blocks with an exact cache) the reference series never
    /// uses, and issue 25's targets (tokens/s against the autoregressive model, 8 concurrent requests against one) are
    /// about what a user gets.
    /// </remarks>
    public static List<BenchmarkSetting> Masked(BenchmarkArguments args)
    {
        // Long answers at one token per step cost minutes each on a small CPU, so the length and cache sweeps use
        // 4 tokens per step and the step, threshold and block sweeps run at the shortest length.
        int shortest = args.Lengths.Min();
        var settings = new List<BenchmarkSetting>();
        foreach (int n in args.Lengths)
        {
            settings.Add(new(Length, ModelDefaults, n, new DiffusionGenerationOptions()));
            settings.Add(new(Length, NoCache, n, Knobs(32, 8)));
            settings.Add(new(Cache, "block 32, 8 steps, prefix cache", n, Knobs(32, 8) with { Cache = KeyValueCacheMode.Prefix }));
            settings.Add(new(Cache, "block 32, 8 steps, dual cache", n, Knobs(32, 8) with { Cache = KeyValueCacheMode.Dual }));
        }

        foreach (int block in args.Quick ? new[] { 16, 64 } : [8, 16, 32, 64])
        {
            settings.Add(new(Block, $"block {block}, block/4 steps", shortest, Knobs(block, Math.Max(1, block / 4))));
        }

        foreach (int steps in args.Quick ? new[] { 8, 32 } : [2, 4, 8, 16, 32])
        {
            settings.Add(new(Steps, $"block 32, {steps} steps", shortest, Knobs(32, steps)));
        }

        foreach (double threshold in args.Quick ? new[] { 0.9 } : [0.5, 0.9])
        {
            settings.Add(new(Threshold, $"block 32, threshold {threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}", shortest, Knobs(32, 32) with { ConfidenceThreshold = threshold }));
        }

        foreach (int c in args.ConcurrencyLevels)
        {
            settings.Add(new(Concurrency, ModelDefaults, shortest, new DiffusionGenerationOptions(), c));
            settings.Add(new(Concurrency, NoCache, shortest, Knobs(32, 8), c));
        }

        return settings;
    }

    /// <summary>The simplex reference series: 16-token blocks, 25 steps each.</summary>
    public const string SimplexReference = "simplex block 16, 25 steps";

    /// <summary>
    /// Settings for a simplex (SSD-LM) model: length and concurrency at 25 steps per 16-token block, and the step
    /// count (10 to 50) and block length (8 to 32) at the shortest length. Caches and thresholds do not apply.
    /// </summary>
    public static List<BenchmarkSetting> Simplex(BenchmarkArguments args)
    {
        int shortest = args.Lengths.Min();
        static DiffusionGenerationOptions SimplexKnobs(int blockLength, int steps) => new() { BlockLength = blockLength, Steps = steps };
        var settings = args.Lengths.Select(n => new BenchmarkSetting(Length, SimplexReference, n, SimplexKnobs(16, 25))).ToList();
        foreach (int steps in args.Quick ? new[] { 10, 50 } : [10, 25, 50])
        {
            settings.Add(new(Steps, $"simplex block 16, {steps} steps", shortest, SimplexKnobs(16, steps)));
        }

        foreach (int block in args.Quick ? new[] { 8, 32 } : [8, 16, 32])
        {
            settings.Add(new(Block, $"simplex block {block}, 25 steps", shortest, SimplexKnobs(block, 25)));
        }

        settings.AddRange(args.ConcurrencyLevels.Select(c => new BenchmarkSetting(Concurrency, SimplexReference, shortest, SimplexKnobs(16, 25), c)));
        return settings;
    }

    /// <summary>Settings for an autoregressive baseline (diffusion knobs do not apply).</summary>
    public static List<BenchmarkSetting> Autoregressive(BenchmarkArguments args)
    {
        int shortest = args.Lengths.Min();
        var settings = args.Lengths.Select(n => new BenchmarkSetting(Length, "autoregressive, KV cache", n, new())).ToList();
        settings.AddRange(args.ConcurrencyLevels.Select(c => new BenchmarkSetting(Concurrency, "autoregressive, KV cache", shortest, new(), c)));
        return settings;
    }

    private static DiffusionGenerationOptions Knobs(int blockLength, int steps) => new()
    {
        BlockLength = blockLength,
        Steps = steps,
        Remasking = RemaskingStrategy.LowConfidence,
        Cache = KeyValueCacheMode.None,
    };
}
