using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// Where a step of the simplex sampler (SSD-LM decoding) spends its time: the whole step through
/// <see cref="SimplexSampler"/>, the denoiser's forward pass alone, and the sampler's own work outside it (the step's
/// noise draw, the top-p projection and the re-noising), each timed at the step's shapes, at each thread count.
/// </summary>
internal static class SimplexProfile
{
    /// <summary>Block length and steps of the profile (the shipped simplex model's defaults).</summary>
    public const int Block = 16, Steps = 50;

    /// <summary>Loads a simplex folder (SSD-LM's RoBERTa layout or our simplex-llama), measures it and frees it.</summary>
    public static SimplexTable MeasureFolder(string folder, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(folder);
        using ISimplexDenoiser model = checkpoint.DeclaresModelType(SimplexLlamaConfig.ModelType, SimplexLlamaConfig.Architecture)
            ? SimplexLlamaDenoiser.Load(checkpoint, CPU)
            : SsdLmDenoiser.Load(checkpoint, CPU);
        return Measure(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), model, rounds, threadCounts, cancellationToken);
    }

    /// <summary>
    /// A randomly initialised simplex-llama denoiser with the shape of the LLaMA decoder in <paramref name="arFolder"/>
    /// (what <c>train --objective simplex-llama --init-from</c> starts from), built in memory and measured.
    /// </summary>
    public static SimplexTable MeasureRandomLlama(string arFolder, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(arFolder);
        var decoder = LlamaConfig.FromJson(checkpoint.Config);
        using var model = SimplexLlamaDenoiser.Create(new SimplexLlamaConfig(decoder, ShiftLogits: true), CPU, seed: 12);
        model.eval();
        string name = $"simplex-llama (random, {Path.GetFileName(Path.TrimEndingDirectorySeparator(arFolder))}'s shape)";
        return Measure(name, model, rounds, threadCounts, cancellationToken);
    }

    /// <summary>Times steps and their parts round by round.</summary>
    /// <param name="name">The model's name in the report.</param>
    /// <param name="model">The denoiser (not owned).</param>
    /// <param name="rounds">Timed rounds.</param>
    /// <param name="threadCounts">LibTorch thread counts, each measured every round.</param>
    /// <param name="cancellationToken">Checked between runs.</param>
    public static SimplexTable Measure(string name, ISimplexDenoiser model, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        const int prompt = ForwardProfileCommand.Prompt;
        var options = new SimplexSamplerOptions { BlockLength = Block, Steps = Steps, MaxBlocks = 1 };
        var sampler = new SimplexSampler(model, options);
        var rng = new Random(10);
        int vocab = model.VocabSize, idLimit = Math.Max(1, vocab - 16);
        IReadOnlyList<IReadOnlyList<int>> prompts = [Enumerable.Range(0, prompt).Select(_ => rng.Next(0, idLimit)).ToList()];

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var noise = new GeneratorNoiseSource(model.Device, [3UL]);
        var context = tensor(prompts[0].Select(t => (long)t).ToArray(), [1, prompt], device: model.Device);
        var xt = noise.NextNormal(1, Block, vocab, model.Device).to_type(model.DType).Times(options.SimplexValue);
        var zt = noise.NextNormal(1, Block, vocab, model.Device).to_type(model.DType);
        var timesteps = HeldScalars.Filled([1], Steps / 2f, ScalarType.Float32, model.Device);
        var score = model.EquivalentScore(context, xt, timesteps, Steps);
        var projected = LogitsProjection.MultiHot(score, options.TopP, options.SimplexValue);
        double a = Math.Sqrt(0.5), b = Math.Sqrt(0.5);

        var parts = new (string Name, Action Run)[]
        {
            ("forward pass (`EquivalentScore`)", () => model.EquivalentScore(context, xt, timesteps, Steps).Dispose()),
            ("noise draw (one N(0, 1) per vocabulary entry, scaled)", () => { using var inner = NewDisposeScope(); _ = noise.NextNormal(1, Block, vocab, model.Device).to_type(model.DType).Times(options.SimplexValue); }),
            ("projection to +-K (softmax, top-k of the possible nucleus, top-p, scatter)", () => LogitsProjection.MultiHot(score, options.TopP, options.SimplexValue).Dispose()),
            ("of which the top-p nucleus (softmax, top-k, cumulative sum)", () => LogitsProjection.Nucleus(score, options.TopP).Dispose()),
            ("re-noising sqrt(a) proj + sqrt(1 - a) z", () => { using var inner = NewDisposeScope(); _ = projected.Times(a).Plus(zt.Times(b)); }),
        };

        foreach (int threads in threadCounts)
        {
            set_num_threads(threads);
            using var warmNoise = new GeneratorNoiseSource(model.Device, [1UL]);
            sampler.Generate(prompts, warmNoise, cancellationToken: cancellationToken);
        }

        var steps = threadCounts.ToDictionary(t => t, _ => new List<double>());
        var times = threadCounts.ToDictionary(t => t, _ => parts.Select(_ => new List<double>()).ToArray());
        for (int round = 0; round < rounds; round++)
        {
            foreach (int threads in round % 2 == 0 ? threadCounts : threadCounts.Reverse())
            {
                cancellationToken.ThrowIfCancellationRequested();
                set_num_threads(threads);
                using (var stepNoise = new GeneratorNoiseSource(model.Device, [(ulong)round]))
                {
                    steps[threads].Add(Timing.Once(() => sampler.Generate(prompts, stepNoise, cancellationToken: cancellationToken)) / Steps);
                }

                for (int i = 0; i < parts.Length; i++)
                {
                    times[threads][i].Add(Timing.Time(parts[i].Run, 10));
                }
            }
        }

        var cells = threadCounts.Select(t => new SimplexCell(t, Timing.Median(steps[t]), times[t].Select(Timing.Median).ToArray())).ToList();
        return new SimplexTable(name, [.. parts.Select(p => p.Name)], cells);
    }
}
