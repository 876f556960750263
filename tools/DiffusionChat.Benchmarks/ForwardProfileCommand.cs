using System.Diagnostics;
using System.Globalization;
using System.Text;
using DiffusionChat.Models;
using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// <c>forward</c>: where one forward pass of a masked model spends its time, and how close it comes to the machine's
/// matmul peak measured in the same run, at 1 and 2 threads. Written into its own section of docs/benchmarks.md.
/// </summary>
/// <remarks>
/// <para>
/// The bench model is issue 31's: LLaDA layout, d_model 256, 6 layers, 8 heads, MLP 1024, vocab 4096, random weights;
/// prompt 32, answer 64, 64 steps (low-confidence remasking, greedy), batch 1, blocks of 8 and 64. Model folders given
/// with <c>--masked</c> are measured the same way with their own shapes.
/// </para>
/// <para>
/// <em>Matmul peak</em>: the dense products of one pass (same shapes, in order, plain <c>matmul</c> of preallocated
/// operands) timed as one sequence; what a pass would take if it were only its matrix products. A pass's share of the
/// peak is (its matrix-product operations / its time) / that rate, at the same thread count.
/// </para>
/// <para>
/// Every figure is a median over rounds, and each round runs every measurement at 1 and at 2 threads back to back, so
/// background load hits all of them alike; ratios within a round survive load that absolute times do not. The tensor
/// counts per pass (TorchSharp's dispose-scope statistics: every op result and view is one) do not depend on load.
/// </para>
/// </remarks>
internal static class ForwardProfileCommand
{
    public const string SectionName = "forward";

    /// <summary>The hand-written findings that follow the generated profile (kept by every command).</summary>
    public const string FindingsSectionName = "forward-findings";

    /// <summary>Prompt tokens, answer tokens and sampler steps of every masked measurement (issue 31's).</summary>
    internal const int Prompt = 32, Answer = 64, Steps = 64;

    private static readonly int[] ThreadCounts = [1, 2];

    /// <summary>Issue 31's bench model (the mask and end ids are the last two of the vocabulary).</summary>
    private static readonly LladaConfig BenchModel = new(256, 8, 8, 6, 1024, 4096, RopeTheta: 500000.0, RmsNormEps: 1e-5, MaskTokenId: 4094, EosTokenId: 4095);

    public static async Task<int> RunAsync(BenchmarkArguments args, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int threadsBefore = get_num_threads();
        double loadStart = MachineInfo.LoadAverage();
        RequireFolders(args);
        var models = new List<(string Name, IMaskedDenoiser Model, LladaConfig Config)>();
        try
        {
            models.Add(("bench model (random)", LladaDenoiser.Create(BenchModel, CPU, 31), BenchModel));
            foreach (var folder in args.MaskedFolders)
            {
                var loaded = DiffusionModel.Load(folder, CPU);
                if (loaded is not LladaDenoiser llada)
                {
                    loaded.Dispose();
                    throw new ArgumentException($"forward measures LLaDA-architecture folders; '{folder}' holds a {loaded.GetType().Name}.");
                }

                models.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), llada, llada.Config));
            }

            Progress(clock, "parts of a pass and batch-1 steps");
            var parts = MeasureParts(BenchModel, args.Rounds, cancellationToken);
            var rows = new List<ModelRow>();
            foreach (var (name, model, config) in models)
            {
                rows.Add(MeasureModel(name, model, config, args.Rounds, cancellationToken));
            }

            Progress(clock, $"batch {args.Batch} against batch 1 (exactness checked first)");
            var batched = models.Select(m => BatchedDecodingProfile.Measure(m.Name, m.Model, m.Config, args.Batch, args.Rounds, ThreadCounts, cancellationToken)).ToList();
            Progress(clock, "autoregressive decoder");
            var autoregressive = args.AutoregressiveFolders.Select(f => AutoregressiveProfile.MeasureFolder(f, args.Batch, args.Rounds, ThreadCounts, cancellationToken)).ToList();
            Progress(clock, "simplex sampler");
            var simplex = args.SimplexFolders.Select(f => SimplexProfile.MeasureFolder(f, args.Rounds, ThreadCounts, cancellationToken)).ToList();
            if (args.AutoregressiveFolders.Count > 0)
            {
                simplex.Add(SimplexProfile.MeasureRandomLlama(args.AutoregressiveFolders[0], args.Rounds, ThreadCounts, cancellationToken));
            }

            var tensors = CountTensors((LladaDenoiser)models[0].Model);
            var section = ToMarkdown(args, rows, parts, tensors, (loadStart, MachineInfo.LoadAverage()), clock.Elapsed)
                + ForwardSiblingTables.ToMarkdown(args.Batch, batched, autoregressive, simplex);
            var doc = Path.Combine(args.DocsFolder, "benchmarks.md");
            var text = File.Exists(doc) ? await File.ReadAllTextAsync(doc, cancellationToken) : "# Benchmarks\n";
            await File.WriteAllTextAsync(doc, MarkedSection.Write(text, SectionName, section), cancellationToken);
            Console.WriteLine(section);
            Console.WriteLine($"Wrote the forward-pass profile into {doc} in {clock.Elapsed.TotalMinutes:F1} min.");
            return 0;
        }
        finally
        {
            set_num_threads(threadsBefore);
            foreach (var (_, model, _) in models)
            {
                model.Dispose();
            }
        }
    }

    /// <summary>One line on the console per phase, so a long run shows where it is.</summary>
    private static void Progress(Stopwatch clock, string phase) => Console.WriteLine($"[{clock.Elapsed.TotalMinutes:F1} min] forward: {phase}");

    /// <summary>Every model folder must exist before anything is measured (a typo fails in a second, not after minutes).</summary>
    /// <exception cref="ArgumentException">A folder is missing.</exception>
    internal static void RequireFolders(BenchmarkArguments args)
    {
        foreach (var (option, folder) in args.MaskedFolders.Select(f => ("--masked", f)).Concat(args.AutoregressiveFolders.Select(f => ("--ar", f))).Concat(args.SimplexFolders.Select(f => ("--simplex", f))))
        {
            if (!Directory.Exists(folder))
            {
                throw new ArgumentException($"{option} '{folder}': no such folder.");
            }
        }
    }

    /// <summary>Peak, forward pass and whole sampler steps at 1 and 2 threads, interleaved round by round.</summary>
    private static ModelRow MeasureModel(string name, IMaskedDenoiser model, LladaConfig config, int rounds, CancellationToken cancellationToken)
    {
        var rng = new Random(7);
        var prompt = Enumerable.Range(0, Prompt).Select(_ => rng.Next(0, (int)Math.Min(model.MaskTokenId, config.EmbeddingSize - 2))).ToList();
        var sampler = new MaskedDiffusionSampler(model);
        MaskedGenerationRequest Request(int block) => new([prompt], new MaskedSamplerOptions
        {
            AnswerLength = Answer, BlockLength = block, StepsPerBlock = Steps * block / Answer, StopAtEndOfSequence = false,
        }, 1);

        using var ids = tensor(prompt.Select(t => (long)t).Concat(Enumerable.Repeat(model.MaskTokenId, Answer)).ToArray(), [1, Prompt + Answer]);
        var samples = ThreadCounts.ToDictionary(t => t, _ => new Samples());
        foreach (int threads in ThreadCounts)
        {
            // Warm-up at each thread count: JIT, allocator, LibTorch's thread pool.
            set_num_threads(threads);
            sampler.Generate(Request(8), null, null, null, cancellationToken);
            using var warm = model.Forward(ids, logitsFor: Prompt..(Prompt + 8));
        }

        for (int round = 0; round < rounds; round++)
        {
            foreach (int threads in round % 2 == 0 ? ThreadCounts : Enumerable.Reverse(ThreadCounts))
            {
                cancellationToken.ThrowIfCancellationRequested();
                set_num_threads(threads);
                var s = samples[threads];
                s.Peak.Add(Timing.Matmuls(new ForwardShapes(config, Prompt + Answer, 8)));
                s.Forward8.Add(Timing.Time(() => model.Forward(ids, logitsFor: Prompt..(Prompt + 8)).Dispose(), 5));
                s.Forward64.Add(Timing.Time(() => model.Forward(ids, logitsFor: Prompt..(Prompt + 64)).Dispose(), 5));
                foreach (var (block, list) in new[] { (8, s.Step8), (64, s.Step64) })
                {
                    // On this thread: LibTorch's thread count is per OS thread once a thread has run an op, so a
                    // thread-pool thread would keep whatever count it first saw.
                    var watch = Stopwatch.StartNew();
                    sampler.Generate(Request(block), null, null, null, cancellationToken);
                    list.Add(watch.Elapsed.TotalMilliseconds / Steps);
                }
            }
        }

        return new ModelRow(name, config, samples.ToDictionary(p => p.Key, p => p.Value.Medians()));
    }

    /// <summary>
    /// Each part of one LLaDA layer (and the output head) as an isolated op at the bench shapes, ms per pass (per call
    /// times calls per pass), medians over interleaved rounds at 1 and 2 threads; plus the unfused attention this
    /// replaced, and the largest difference between the two.
    /// </summary>
    private static PartsProfile MeasureParts(LladaConfig config, int rounds, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int l = Prompt + Answer, d = config.ModelDim, hd = config.HeadDim, h = config.Heads, kvh = config.KeyValueHeads, m = config.MlpHiddenSize;
        var x = randn(1, l, d);
        var weights = new[] { (d, d), (kvh * hd, d), (kvh * hd, d), (d, d), (m, d), (m, d), (d, m) }.Select(s => randn(s.Item1, s.Item2).DividedBy(Math.Sqrt(s.Item2))).ToArray();
        var head = randn(config.EmbeddingSize, d).DividedBy(Math.Sqrt(d));
        var (q, k, v) = (randn(1, h, l, hd), randn(1, kvh, l, hd), randn(1, kvh, l, hd));
        var (gate, up, mlpOut) = (randn(1, l, m), randn(1, l, m), randn(1, l, d));
        using var norm = new RmsNorm(d, config.RmsNormEps);
        var inverseFrequencies = RotaryPositions.InverseFrequencies(config.RopeTheta, hd, CPU);
        var (cos, sin) = RotaryPositions.Tables(inverseFrequencies, HeldScalars.Range(0, l, ScalarType.Int64, CPU));
        int layers = config.Layers;

        var parts = new (string Name, int Calls, Action Run)[]
        {
            ("dense products q, k, v, o, gate, up, down", layers, () => { foreach (var w in weights) { nn.functional.linear(w.shape[1] == d ? x : gate, w).Dispose(); } }),
            ("attention core (fused scaled_dot_product_attention)", layers, () => Attention.ScaledDotProduct(q, k, v, null).Dispose()),
            ("RMSNorm (2 per layer + final)", (2 * layers) + 1, () => norm.forward(x).Dispose()),
            ("rotary embedding (q and k)", layers, () => { RotaryPositions.Apply(q, cos, sin).Dispose(); RotaryPositions.Apply(k, cos, sin).Dispose(); }),
            ("SwiGLU element-wise silu(gate) * up", layers, () => { using var inner = NewDisposeScope(); _ = nn.functional.silu(gate) * up; }),
            ("residual adds and head reshapes", layers, () => { using var inner = NewDisposeScope(); _ = x.Plus(mlpOut).Plus(mlpOut); _ = q.transpose(1, 2).reshape(1, l, -1); }),
            ("output head (8 block rows)", 1, () => { using var inner = NewDisposeScope(); nn.functional.linear(x[.., Prompt..(Prompt + 8)], head); }),
        };
        (string Name, int Calls, Action Run) unfused = ("attention core, unfused (before: q k^T, scale, softmax, weights v)", layers, () => UnfusedAttention(q, k, v).Dispose());

        var times = ThreadCounts.ToDictionary(t => t, _ => parts.Append(unfused).Select(_ => new List<double>()).ToArray());
        for (int round = 0; round < rounds; round++)
        {
            foreach (int threads in round % 2 == 0 ? ThreadCounts : Enumerable.Reverse(ThreadCounts))
            {
                cancellationToken.ThrowIfCancellationRequested();
                set_num_threads(threads);
                var all = parts.Append(unfused).ToArray();
                for (int i = 0; i < all.Length; i++)
                {
                    times[threads][i].Add(Timing.Time(all[i].Run, 10) * all[i].Calls);
                }
            }
        }

        double difference = (Attention.ScaledDotProduct(q, k, v, null) - UnfusedAttention(q, k, v)).abs().max().item<float>();
        var medians = ThreadCounts.ToDictionary(t => t, t => times[t].Select(Timing.Median).ToArray());
        return new PartsProfile([.. parts.Append(unfused).Select(p => (p.Name, p.Calls))], medians, difference);
    }

    /// <summary>The attention the library ran before the fused kernel (grouped heads copied by repeat_interleave).</summary>
    private static Tensor UnfusedAttention(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        long group = q.shape[1] / k.shape[1];
        var (keys, values) = group == 1 ? (k, v) : (k.repeat_interleave(group, 1), v.repeat_interleave(group, 1));
        var scores = q.matmul(keys.transpose(-2, -1)).Times(1.0 / Math.Sqrt(q.shape[^1]));
        return scores.softmax(-1).matmul(values).MoveToOuterDisposeScope();
    }

    /// <summary>Tensors (op results and views) created by one forward pass and one whole sampler step; independent of load.</summary>
    private static (long Forward, long Step) CountTensors(LladaDenoiser model)
    {
        var statistics = DisposeScopeManager.Statistics.TensorStatistics;
        long Created() => statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        using var ids = zeros([1, Prompt + Answer], ScalarType.Int64);
        long before = Created();
        model.Forward(ids, logitsFor: Prompt..(Prompt + 8)).Dispose();
        long forward = Created() - before;

        // A whole generation on this thread (the synchronous core), per step.
        var sampler = new MaskedDiffusionSampler(model);
        var request = new MaskedGenerationRequest([Enumerable.Range(1, Prompt).ToList()], new MaskedSamplerOptions { AnswerLength = Answer, BlockLength = 8, StepsPerBlock = 8, StopAtEndOfSequence = false }, 1);
        before = Created();
        _ = sampler.Generate(request, null, null, null, CancellationToken.None);
        long step = (Created() - before) / Steps;
        return (forward, step);
    }

    private static string ToMarkdown(BenchmarkArguments args, List<ModelRow> rows, PartsProfile parts, (long Forward, long Step) tensors, (double Start, double End) load, TimeSpan took)
    {
        static string F(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        bool underLoad = Math.Max(load.Start, load.End) > Environment.ProcessorCount;
        text.AppendLine("## Where a forward pass spends its time");
        text.AppendLine();
        text.AppendLine($"Generated by the `forward` command; measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {MachineInfo.Describe()}; took {took.TotalMinutes:F1} min; {args.Rounds} rounds.");
        text.AppendLine();
        text.AppendLine($"Command: `{args.CommandLine}`");
        text.AppendLine();
        text.AppendLine(underLoad
            ? $"**Measured under load**: the 1-minute load average was {F(load.Start)} at the start and {F(load.End)} at the end on {Environment.ProcessorCount} cores. Absolute times are inflated by that much; shares and ratios within a round are the figures to read (every measurement runs in every round at both thread counts)."
            : $"Load average {F(load.Start)} at the start and {F(load.End)} at the end on {Environment.ProcessorCount} cores.");
        text.AppendLine();
        text.AppendLine($"Prompt {Prompt}, answer {Answer}, {Steps} steps (low-confidence remasking, greedy), batch 1. *Matmul peak*: the dense products of one pass (same shapes, in order, plain `matmul`) timed as one sequence. *Forward*: `IMaskedDenoiser.Forward` over all {Prompt + Answer} positions with logits for the block (8 or 64 rows). *Step*: a whole sampler step (forward + prediction + selection + commit) = generation time / {Steps}. *Share* = the pass's matrix-product GFLOP / its time, over the peak at the same thread count. Medians over rounds.");
        text.AppendLine();
        text.AppendLine("| model | threads | matmul peak (GFLOP/s) | forward, block 8 (ms) | share of peak | forward, block 64 (ms) | share | step, block 8 (ms) | share | tokens/s | step, block 64 (ms) | share | tokens/s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            foreach (int threads in ThreadCounts)
            {
                var m = row.Medians[threads];
                var (flops8, flops64) = (new ForwardShapes(row.Config, Prompt + Answer, 8).Flops, new ForwardShapes(row.Config, Prompt + Answer, 64).Flops);
                double peak = new ForwardShapes(row.Config, Prompt + Answer, 8).DenseFlops / m.Peak / 1e6;
                string Share(double flops, double ms) => $"{F(100 * flops / ms / 1e6 / peak, "F0")} %";
                text.AppendLine($"| {row.Name} | {threads} | {F(peak)} | {F(m.Forward8, "F2")} | {Share(flops8, m.Forward8)} | {F(m.Forward64, "F2")} | {Share(flops64, m.Forward64)} | {F(m.Step8, "F2")} | {Share(flops8, m.Step8)} | {F(1000 / m.Step8)} | {F(m.Step64, "F2")} | {Share(flops64, m.Step64)} | {F(1000 / m.Step64)} |");
            }
        }

        text.AppendLine();
        foreach (var row in rows)
        {
            var (one, two) = (row.Medians[1], row.Medians[2]);
            text.AppendLine($"- {row.Name} ({new ForwardShapes(row.Config, Prompt + Answer, 8).Describe()}; {F(new ForwardShapes(row.Config, Prompt + Answer, 8).Flops / 1e9, "F3")} GFLOP per block-8 pass): 2 threads vs 1: matmul peak {F(one.Peak / two.Peak, "F2")}x, forward {F(one.Forward8 / two.Forward8, "F2")}x, whole step {F(one.Step8 / two.Step8, "F2")}x (block 8) and {F(one.Step64 / two.Step64, "F2")}x (block 64).");
        }

        text.AppendLine($"- Tensors created (op results and views, TorchSharp's dispose-scope statistics; independent of load): {tensors.Forward} per bench-model forward pass ({F(tensors.Forward / (double)BenchModel.Layers)} per layer with the head and masks spread over them), {tensors.Step} per whole block-8 sampler step.");
        text.AppendLine();
        text.AppendLine($"Bench model, each part of a pass timed as an isolated op at its shapes (ms per pass = ms per call x calls per pass; {Prompt + Answer} positions). *Rest* = the measured forward pass minus the listed parts: embedding, rotary tables, masks and per-op dispatch between kernels.");
        text.AppendLine();
        text.AppendLine("| part | calls per pass | 1 thread (ms per pass) | share of forward | 2 threads (ms per pass) | share of forward |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        var bench = rows[0].Medians;
        int listed = parts.Names.Count - 1;
        for (int i = 0; i <= listed; i++)
        {
            bool comparison = i == listed;
            string Cell(int t) => comparison ? F(parts.Medians[t][i], "F2") : $"{F(parts.Medians[t][i], "F2")} | {F(100 * parts.Medians[t][i] / bench[t].Forward8, "F0")} %";
            text.AppendLine(comparison
                ? $"| *{parts.Names[i].Name}, for comparison* | {parts.Names[i].Calls} | {Cell(1)} | | {Cell(2)} | |"
                : $"| {parts.Names[i].Name} | {parts.Names[i].Calls} | {Cell(1)} | {Cell(2)} |");
        }

        string Rest(int t) => $"{F(bench[t].Forward8 - parts.Medians[t][..listed].Sum(), "F2")} | {F(100 * (bench[t].Forward8 - parts.Medians[t][..listed].Sum()) / bench[t].Forward8, "F0")} %";
        text.AppendLine($"| rest | | {Rest(1)} | {Rest(2)} |");
        text.AppendLine($"| sampler outside the forward pass (step - forward, block 8) | 1 per step | {F(bench[1].Step8 - bench[1].Forward8, "F2")} | | {F(bench[2].Step8 - bench[2].Forward8, "F2")} | |");
        text.AppendLine();
        text.AppendLine($"Fused vs unfused attention at these shapes: max |difference| {parts.FusedDifference:E2} (float32 rounding; the goldens and the shipped models' eval are unchanged, see the findings below).");
        return text.ToString();
    }

    private sealed class Samples
    {
        public List<double> Peak { get; } = [];

        public List<double> Forward8 { get; } = [];

        public List<double> Forward64 { get; } = [];

        public List<double> Step8 { get; } = [];

        public List<double> Step64 { get; } = [];

        public Medians Medians() => new(Timing.Median(Peak), Timing.Median(Forward8), Timing.Median(Forward64), Timing.Median(Step8), Timing.Median(Step64));
    }

    private sealed record Medians(double Peak, double Forward8, double Forward64, double Step8, double Step64);

    private sealed record ModelRow(string Name, LladaConfig Config, Dictionary<int, Medians> Medians);

    private sealed record PartsProfile(IReadOnlyList<(string Name, int Calls)> Names, Dictionary<int, double[]> Medians, double FusedDifference);
}
