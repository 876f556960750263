using System.Text;
using DiffusionChat.Models.Llada;

namespace DiffusionChat.Benchmarks;

/// <summary>One model's batch-B against batch-1 medians at one block length and thread count, in ms.</summary>
/// <param name="Threads">LibTorch threads.</param>
/// <param name="Block">Block length.</param>
/// <param name="PeakMs">The dense products of one batch-B block-8 pass, run as plain matmuls.</param>
/// <param name="StepOneMs">A whole sampler step at batch 1 (generation time / steps).</param>
/// <param name="StepBatchMs">A whole sampler step of the batch (every row advances one step).</param>
/// <param name="ForwardOneMs">The denoiser's pass alone at batch 1 (logits for the block).</param>
/// <param name="ForwardBatchMs">The denoiser's pass alone at batch B.</param>
internal sealed record BatchedDecodingCell(int Threads, int Block, double PeakMs, double StepOneMs, double StepBatchMs, double ForwardOneMs, double ForwardBatchMs);

/// <summary>The batch-B against batch-1 table of the <c>forward</c> report.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Config">Its architecture.</param>
/// <param name="Batch">Rows of the batched run.</param>
/// <param name="Cells">Medians per block length and thread count.</param>
/// <param name="TensorsPerStep">Tensors created (op results and views) per block-8 step at batch 1 and at batch B; independent of load.</param>
internal sealed record BatchedDecodingTable(string Model, LladaConfig Config, int Batch, IReadOnlyList<BatchedDecodingCell> Cells, (long One, long Batch) TensorsPerStep)
{
    /// <summary>Tokens each row commits per step (answer / steps).</summary>
    private const double TokensPerStep = (double)ForwardProfileCommand.Answer / ForwardProfileCommand.Steps;

    /// <summary>The caption and header shared by every model's rows.</summary>
    public static string Header(int batch) =>
        $"Batch {batch} against batch 1: {batch} different prompts of {ForwardProfileCommand.Prompt} tokens decoded together through the sampler's batch call (the one `MaskedTokenGenerator` makes for queued concurrent requests, one seed per row), exact decoding (low-confidence schedule, greedy, no cache; every batched row was checked to decode exactly the tokens its prompt decodes alone before timing). " +
        $"*Step*: generation time / {ForwardProfileCommand.Steps} steps; batch 1 decodes the first prompt alone. *Aggregate tokens/s*: all {batch} rows' tokens per second. *Speed-up*: aggregate over batch-1 tokens/s. *Step vs {batch} x batch 1*: the batch's step over {batch} batch-1 steps (below 1: batching saves time; 1: no gain). " +
        $"*Peak at batch-{batch} shapes*: the dense products of one batch-{batch} block-8 pass ({batch} x {ForwardProfileCommand.Prompt + ForwardProfileCommand.Answer} rows) as plain matmuls, at the same thread count. *Share*: the batch step's matrix-product GFLOP / its time, over that peak. *Forward*: the denoiser's pass alone (logits for the block) at batch 1 / batch {batch}; *sampler outside it*: step - forward at batch 1 / batch {batch} (prediction, selection, commit; the batch's should be about {batch}x batch 1's). Medians over rounds.\n\n" +
        $"| model | block | threads | batch-1 step (ms) | batch-1 tokens/s | batch-{batch} step (ms) | aggregate tokens/s | speed-up | step vs {batch} x batch 1 | peak at batch-{batch} shapes (GFLOP/s) | share of peak | forward, batch 1 / {batch} (ms) | sampler outside it, batch 1 / {batch} (ms) |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

    /// <summary>This model's rows of the table.</summary>
    public string Rows()
    {
        const int positions = ForwardProfileCommand.Prompt + ForwardProfileCommand.Answer;
        var text = new StringBuilder();
        foreach (var c in Cells)
        {
            double peak = new ForwardShapes(Config, positions, 8, Batch).DenseFlops / c.PeakMs / 1e6;
            double flops = new ForwardShapes(Config, positions, c.Block, Batch).Flops;
            double one = TokensPerStep * 1000 / c.StepOneMs, aggregate = Batch * TokensPerStep * 1000 / c.StepBatchMs;
            text.AppendLine($"| {Model} | {c.Block} | {c.Threads} | {ReportFormat.F(c.StepOneMs, "F2")} | {ReportFormat.F(one)} | {ReportFormat.F(c.StepBatchMs, "F2")} | {ReportFormat.F(aggregate)} | {ReportFormat.F(aggregate / one, "F2")}x | {ReportFormat.F(c.StepBatchMs / (Batch * c.StepOneMs), "F2")} | {ReportFormat.F(peak)} | {ReportFormat.F(100 * flops / c.StepBatchMs / 1e6 / peak, "F0")} % | " +
                $"{ReportFormat.F(c.ForwardOneMs, "F2")} / {ReportFormat.F(c.ForwardBatchMs, "F2")} | {ReportFormat.F(c.StepOneMs - c.ForwardOneMs, "F2")} / {ReportFormat.F(c.StepBatchMs - c.ForwardBatchMs, "F2")} |");
        }

        return text.ToString();
    }

    /// <summary>The load-independent line under the table: whether the batch runs any op per row.</summary>
    public string TensorLine() =>
        $"- {Model}: tensors created per whole block-8 step (op results and views, TorchSharp's dispose-scope statistics; independent of load): {TensorsPerStep.One} at batch 1, {TensorsPerStep.Batch} at batch {Batch}" +
        (TensorsPerStep.Batch == TensorsPerStep.One ? " (the same ops, on larger tensors: no op runs per row)." : $" ({TensorsPerStep.Batch - TensorsPerStep.One:+#;-#} per step: some op runs per row or per batch).");
}
