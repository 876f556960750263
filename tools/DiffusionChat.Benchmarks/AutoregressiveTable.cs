using System.Text;
using DiffusionChat.Models.Autoregressive;

namespace DiffusionChat.Benchmarks;

/// <summary>The autoregressive decoder's medians at one thread count, in ms.</summary>
/// <param name="Threads">LibTorch threads.</param>
/// <param name="PrefillPeakMs">The prefill pass's dense products as plain matmuls.</param>
/// <param name="StepOnePeakMs">A batch-1 decode step's dense products as plain matmuls.</param>
/// <param name="StepBatchPeakMs">A batch-B decode step's dense products as plain matmuls.</param>
/// <param name="PrefillMs">Prefill of one prompt (a generation of one token).</param>
/// <param name="StepOneMs">One decode step at batch 1.</param>
/// <param name="StepBatchMs">One decode step at batch B (every row gains a token).</param>
internal sealed record AutoregressiveCell(int Threads, double PrefillPeakMs, double StepOnePeakMs, double StepBatchPeakMs, double PrefillMs, double StepOneMs, double StepBatchMs);

/// <summary>The autoregressive decoder's table of the <c>forward</c> report.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Config">Its architecture.</param>
/// <param name="Batch">Rows of the batched decode.</param>
/// <param name="Cells">Medians per thread count.</param>
internal sealed record AutoregressiveTable(string Model, LlamaConfig Config, int Batch, IReadOnlyList<AutoregressiveCell> Cells)
{
    /// <summary>The caption and header shared by every model's rows.</summary>
    public static string Header(int batch) =>
        $"Autoregressive decoder (LLaMA, key/value cache) through `CausalDecoder`, greedy, prompts of {ForwardProfileCommand.Prompt} tokens, {AutoregressiveProfile.Tokens} tokens decoded. " +
        $"*Prefill*: a generation of one token at batch 1 (one pass over the prompt filling the cache, logits for all {ForwardProfileCommand.Prompt} positions, then the first token's choice). " +
        $"*Step*: one decode step = (generation of 1 + {AutoregressiveProfile.Tokens} tokens - generation of 1) / {AutoregressiveProfile.Tokens}; at batch {batch} every row gains a token per step ({batch} different prompts). *Tokens/s*: tokens of all rows per second of decoding. " +
        $"*Peak*: the dense products of that pass or step at its own shapes (prefill {ForwardProfileCommand.Prompt} rows; a step 1 or {batch} rows) as plain matmuls, at the same thread count; *share*: the pass's matrix-product GFLOP / its time, over that peak. Medians over rounds.\n\n" +
        $"| model | threads | prefill (ms) | prefill peak (GFLOP/s) | share | step, batch 1 (ms) | tokens/s | step peak, batch 1 (GFLOP/s) | share | step, batch {batch} (ms) | tokens/s | step peak, batch {batch} (GFLOP/s) | share |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

    /// <summary>This model's rows of the table.</summary>
    public string Rows()
    {
        var text = new StringBuilder();
        var (prefill, one, many) = (AutoregressiveProfile.PrefillShapes(Config), AutoregressiveProfile.StepShapes(Config, 1), AutoregressiveProfile.StepShapes(Config, Batch));
        static string Peak(ForwardShapes shapes, double peakMs) => ReportFormat.F(shapes.DenseFlops / peakMs / 1e6);
        static string Share(ForwardShapes shapes, double ms, double peakMs) => $"{ReportFormat.F(100 * (shapes.Flops / ms) / (shapes.DenseFlops / peakMs), "F0")} %";
        foreach (var c in Cells)
        {
            text.AppendLine($"| {Model} | {c.Threads} | {ReportFormat.F(c.PrefillMs, "F2")} | {Peak(prefill, c.PrefillPeakMs)} | {Share(prefill, c.PrefillMs, c.PrefillPeakMs)} | " +
                $"{ReportFormat.F(c.StepOneMs, "F2")} | {ReportFormat.F(1000 / c.StepOneMs)} | {Peak(one, c.StepOnePeakMs)} | {Share(one, c.StepOneMs, c.StepOnePeakMs)} | " +
                $"{ReportFormat.F(c.StepBatchMs, "F2")} | {ReportFormat.F(Batch * 1000 / c.StepBatchMs)} | {Peak(many, c.StepBatchPeakMs)} | {Share(many, c.StepBatchMs, c.StepBatchPeakMs)} |");
        }

        return text.ToString();
    }
}
