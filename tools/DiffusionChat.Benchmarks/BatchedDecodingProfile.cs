using DiffusionChat.Models;
using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// Batch B against batch 1 on a masked model: B different prompts of the same length decoded together through the
/// sampler's batch call (the call <c>MaskedTokenGenerator</c> makes for the requests the generation queue batches,
/// one seed per row), against the first of them alone, at each thread count; plus the matmul peak at the batch's own
/// shapes.
/// </summary>
/// <remarks>
/// Decoding is exact (the default low-confidence schedule, greedy, no approximate cache), so every batched row must
/// decode exactly what its prompt decodes alone; that is checked at every thread count and block length before
/// anything is timed (<see cref="BatchExactness"/>), and a batch that fails it stops the run.
/// </remarks>
internal static class BatchedDecodingProfile
{
    /// <summary>Block lengths measured (the batch-1 table's).</summary>
    public static readonly int[] Blocks = [8, 64];

    /// <summary>Checks exactness, then times batch 1 and batch <paramref name="batch"/> round by round.</summary>
    /// <param name="name">The model's name in the report.</param>
    /// <param name="model">The denoiser (not owned).</param>
    /// <param name="config">Its architecture (for the shapes).</param>
    /// <param name="batch">Rows of the batched run (at least 2).</param>
    /// <param name="rounds">Timed rounds.</param>
    /// <param name="threadCounts">LibTorch thread counts, each measured every round.</param>
    /// <param name="cancellationToken">Checked between runs.</param>
    /// <exception cref="BatchNotExactException">A batched row decoded other tokens than its prompt alone.</exception>
    public static BatchedDecodingTable Measure(string name, IMaskedDenoiser model, LladaConfig config, int batch, int rounds, IReadOnlyList<int> threadCounts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 2);
        const int prompt = ForwardProfileCommand.Prompt, answer = ForwardProfileCommand.Answer, steps = ForwardProfileCommand.Steps;
        var rng = new Random(8);
        int idLimit = (int)Math.Min(model.MaskTokenId, config.EmbeddingSize - 2);
        var prompts = Enumerable.Range(0, batch).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, prompt).Select(_ => rng.Next(0, idLimit)).ToList()).ToList();
        var seeds = Enumerable.Range(0, batch).Select(r => 100UL + (ulong)r).ToList();
        var sampler = new MaskedDiffusionSampler(model);

        // The request MaskedTokenGenerator builds for a batch of queued requests: one prompt and one seed per row.
        MaskedGenerationRequest Request(IEnumerable<int> rows, int block) => new(rows.Select(r => prompts[r]).ToList(), new MaskedSamplerOptions
        {
            AnswerLength = answer, BlockLength = block, StepsPerBlock = steps * block / answer, StopAtEndOfSequence = false,
            Remasking = RemaskingStrategy.LowConfidence, Temperature = 0, ConfidenceThreshold = null, Cache = KeyValueCacheMode.None,
        })
        {
            RowSeeds = rows.Select(r => seeds[r]).ToList(),
        };

        var all = Enumerable.Range(0, batch).ToArray();
        foreach (int threads in threadCounts)
        {
            // Also the warm-up at each thread count.
            set_num_threads(threads);
            foreach (int block in Blocks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var together = sampler.Generate(Request(all, block), null, null, null, cancellationToken).Answers;
                var alone = all.Select(r => sampler.Generate(Request([r], block), null, null, null, cancellationToken).Answers[0]).ToList();
                BatchExactness.Require(together, alone, $"{name}, batch {batch}, block {block}, {threads} thread{(threads == 1 ? "" : "s")}");
            }
        }

        // Tensors created per block-8 step (op results and views): equal at batch 1 and batch B when no op runs per row.
        var statistics = DisposeScopeManager.Statistics.TensorStatistics;
        long Created() => statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
        long TensorsPerStep(int[] rows)
        {
            long before = Created();
            sampler.Generate(Request(rows, 8), null, null, null, cancellationToken);
            return (Created() - before) / steps;
        }

        var tensors = (One: TensorsPerStep([0]), Batch: TensorsPerStep(all));

        var peaks = threadCounts.ToDictionary(t => t, _ => new List<double>());
        var times = threadCounts.SelectMany(t => Blocks.Select(b => (t, b))).ToDictionary(k => k, _ => (One: new List<double>(), Many: new List<double>(), ForwardOne: new List<double>(), ForwardMany: new List<double>()));
        using var idsOne = Canvas(prompts.Take(1), model.MaskTokenId);
        using var idsMany = Canvas(prompts, model.MaskTokenId);
        for (int round = 0; round < rounds; round++)
        {
            foreach (int threads in round % 2 == 0 ? threadCounts : threadCounts.Reverse())
            {
                set_num_threads(threads);
                peaks[threads].Add(Timing.Matmuls(new ForwardShapes(config, prompt + answer, 8, batch)));
                foreach (int block in Blocks)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (one, many, forwardOne, forwardMany) = times[(threads, block)];
                    one.Add(Timing.Once(() => sampler.Generate(Request([0], block), null, null, null, cancellationToken)) / steps);
                    many.Add(Timing.Once(() => sampler.Generate(Request(all, block), null, null, null, cancellationToken)) / steps);
                    forwardOne.Add(Timing.Time(() => model.Forward(idsOne, logitsFor: prompt..(prompt + block)).Dispose(), 3));
                    forwardMany.Add(Timing.Time(() => model.Forward(idsMany, logitsFor: prompt..(prompt + block)).Dispose(), 3));
                }
            }
        }

        var cells = times.Select(p => new BatchedDecodingCell(p.Key.t, p.Key.b, Timing.Median(peaks[p.Key.t]), Timing.Median(p.Value.One), Timing.Median(p.Value.Many), Timing.Median(p.Value.ForwardOne), Timing.Median(p.Value.ForwardMany)))
            .OrderBy(c => c.Block).ThenBy(c => c.Threads).ToList();
        return new BatchedDecodingTable(name, config, batch, cells, tensors);
    }

    /// <summary>Prompts followed by a fully masked answer [rows, prompt + answer]: the first step's input.</summary>
    private static Tensor Canvas(IEnumerable<IReadOnlyList<int>> prompts, long maskTokenId)
    {
        var rows = prompts.Select(p => p.Select(t => (long)t).Concat(Enumerable.Repeat(maskTokenId, ForwardProfileCommand.Answer)).ToArray()).ToList();
        return tensor(rows.SelectMany(r => r).ToArray(), [rows.Count, rows[0].Length]);
    }
}
