using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling.Autoregressive;
using static TorchSharp.torch;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// The autoregressive baseline's decoder (LLaMA, key/value cache) through the library's <see cref="CausalDecoder"/>:
/// prefill of a prompt, and the per-token decode step at batch 1 and batch B, against the matmul peak at each one's
/// own shapes, at each thread count.
/// </summary>
/// <remarks>
/// A generation of one token is the prefill (one pass over the prompt, filling the cache, and the first token's
/// choice); the per-token step is (a generation of 1 + N tokens minus a generation of 1) / N, so it holds everything
/// a decode step costs in the library: the pass over one new position per row against the cache, the greedy choice,
/// the stop check's one-flag host read. Greedy, no stop ids, so every row decodes all N tokens.
/// </remarks>
internal static class AutoregressiveProfile
{
    /// <summary>Decode steps timed (the masked model's answer length).</summary>
    public const int Tokens = ForwardProfileCommand.Answer;

    /// <summary>Loads a LLaMA folder (the autoregressive baseline), measures it and frees it.</summary>
    /// <exception cref="ArgumentException">The folder holds another architecture.</exception>
    public static AutoregressiveTable MeasureFolder(string folder, int batch, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(folder);
        if (!checkpoint.DeclaresModelType("llama"))
        {
            throw new ArgumentException($"--ar '{folder}' declares model type {checkpoint.DescribeModelTypes()}; the autoregressive profile measures LLaMA decoders (llama).");
        }

        using var model = LlamaForCausalLM.FromCheckpoint(checkpoint, CPU);
        return Measure(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)), model, batch, rounds, threadCounts, cancellationToken);
    }

    /// <summary>Times prefill and decode steps round by round.</summary>
    /// <param name="name">The model's name in the report.</param>
    /// <param name="model">The decoder (not owned).</param>
    /// <param name="batch">Rows of the batched decode (at least 2).</param>
    /// <param name="rounds">Timed rounds.</param>
    /// <param name="threadCounts">LibTorch thread counts, each measured every round.</param>
    /// <param name="cancellationToken">Checked between runs.</param>
    public static AutoregressiveTable Measure(string name, LlamaForCausalLM model, int batch, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 2);
        var config = model.Config;
        const int prompt = ForwardProfileCommand.Prompt;
        if (prompt + Tokens + 1 > config.MaxPositionEmbeddings)
        {
            throw new ArgumentException($"{name} has {config.MaxPositionEmbeddings} positions; the profile needs {prompt + Tokens + 1}.");
        }

        var rng = new Random(9);
        // Ordinary ids: the last few of a vocabulary are usually the special tokens.
        int idLimit = Math.Max(1, config.VocabSize - 16);
        var prompts = Enumerable.Range(0, batch).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, prompt).Select(_ => rng.Next(0, idLimit)).ToList()).ToList();
        var first = prompts.Take(1).ToList();
        int pad = config.PadTokenId ?? config.EosTokenId ?? 0;
        double Generate(IReadOnlyList<IReadOnlyList<int>> rows, int tokens) =>
            Timing.Once(() => CausalDecoder.Generate(model, rows, new DecodingOptions(tokens, [], pad), cancellationToken));

        foreach (int threads in threadCounts)
        {
            set_num_threads(threads);
            Generate(prompts, Tokens + 1);
            Generate(first, Tokens + 1);
        }

        var samples = threadCounts.ToDictionary(t => t, _ => new AutoregressiveSamples());
        for (int round = 0; round < rounds; round++)
        {
            foreach (int threads in round % 2 == 0 ? threadCounts : threadCounts.Reverse())
            {
                cancellationToken.ThrowIfCancellationRequested();
                set_num_threads(threads);
                var s = samples[threads];
                s.PrefillPeak.Add(Timing.Matmuls(PrefillShapes(config)));
                s.StepOnePeak.Add(Timing.Matmuls(StepShapes(config, 1)));
                s.StepBatchPeak.Add(Timing.Matmuls(StepShapes(config, batch)));
                double prefillOne = Generate(first, 1), prefillBatch = Generate(prompts, 1);
                s.Prefill.Add(prefillOne);
                s.StepOne.Add((Generate(first, Tokens + 1) - prefillOne) / Tokens);
                s.StepBatch.Add((Generate(prompts, Tokens + 1) - prefillBatch) / Tokens);
            }
        }

        return new AutoregressiveTable(name, config, batch, samples.Select(p => p.Value.Medians(p.Key)).OrderBy(c => c.Threads).ToList());
    }

    /// <summary>The prefill pass: every prompt position, logits for all of them (what <see cref="CausalDecoder"/> computes; decoding reads the last).</summary>
    public static ForwardShapes PrefillShapes(LlamaConfig config) => ForwardShapes.ForLlama(config, ForwardProfileCommand.Prompt, ForwardProfileCommand.Prompt);

    /// <summary>One decode step: one new position per row attending to the cache at its mean length over the decode.</summary>
    public static ForwardShapes StepShapes(LlamaConfig config, int batch) =>
        ForwardShapes.ForLlama(config, 1, 1, batch, keyPositions: ForwardProfileCommand.Prompt + 1 + (Tokens / 2));

    private sealed class AutoregressiveSamples
    {
        public List<double> PrefillPeak { get; } = [];

        public List<double> StepOnePeak { get; } = [];

        public List<double> StepBatchPeak { get; } = [];

        public List<double> Prefill { get; } = [];

        public List<double> StepOne { get; } = [];

        public List<double> StepBatch { get; } = [];

        public AutoregressiveCell Medians(int threads) => new(threads, Timing.Median(PrefillPeak), Timing.Median(StepOnePeak), Timing.Median(StepBatchPeak),
            Timing.Median(Prefill), Timing.Median(StepOne), Timing.Median(StepBatch));
    }
}
