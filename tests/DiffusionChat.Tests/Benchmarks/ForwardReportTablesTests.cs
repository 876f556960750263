using DiffusionChat.Benchmarks;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;

namespace DiffusionChat.Tests.Benchmarks;

/// <summary>The forward report's batch, autoregressive and simplex tables: derived figures and well-formed markdown.</summary>
public sealed class ForwardReportTablesTests
{
    private static readonly LladaConfig Bench = new(256, 8, 8, 6, 1024, 4096, RopeTheta: 500000.0, RmsNormEps: 1e-5, MaskTokenId: 4094, EosTokenId: 4095);

    private static readonly LlamaConfig Decoder = new(3072, 128, 384, 4, 4, 2, 640);

    [Fact]
    public void Batch_table_derives_aggregate_speed_up_and_peak_from_the_step_times()
    {
        // A peak time chosen so the batch-8 shapes run at exactly 100 GFLOP/s.
        double peakMs = new ForwardShapes(Bench, 96, 8, 8).DenseFlops / 1e6 / 100;
        var table = new BatchedDecodingTable("bench", Bench, 8, [new BatchedDecodingCell(1, 8, peakMs, StepOneMs: 10, StepBatchMs: 40, ForwardOneMs: 9.5, ForwardBatchMs: 36)], (216, 216));

        string rows = table.Rows();

        // batch 1: 1000 / 10 ms = 100 tokens/s; batch 8: 8 * 1000 / 40 ms = 200 tokens/s, 2x; 40 ms is half of 8 x 10 ms.
        Assert.Contains("| bench | 8 | 1 | 10.00 | 100.0 | 40.00 | 200.0 | 2.00x | 0.50 | 100.0 |", rows, StringComparison.Ordinal);
        double share = 100 * new ForwardShapes(Bench, 96, 8, 8).Flops / 40 / 1e6 / 100;
        Assert.Contains($"| {share:F0} % |", rows, StringComparison.Ordinal);

        // The sampler outside the forward pass: 10 - 9.5 ms at batch 1, 40 - 36 ms at batch 8.
        Assert.EndsWith("| 9.50 / 36.00 | 0.50 / 4.00 |", rows.TrimEnd(), StringComparison.Ordinal);
        AssertWellFormed(BatchedDecodingTable.Header(8) + rows);
    }

    [Fact]
    public void Tensor_line_says_whether_the_batch_runs_ops_per_row()
    {
        var cells = new[] { new BatchedDecodingCell(1, 8, 1, 10, 40, 9, 36) };

        Assert.Contains("216 at batch 1, 216 at batch 8 (the same ops, on larger tensors: no op runs per row).", new BatchedDecodingTable("bench", Bench, 8, cells, (216, 216)).TensorLine(), StringComparison.Ordinal);
        Assert.Contains("216 at batch 1, 272 at batch 8 (+56 per step: some op runs per row or per batch).", new BatchedDecodingTable("bench", Bench, 8, cells, (216, 272)).TensorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void Batched_shapes_stack_the_rows_and_multiply_the_work()
    {
        var one = new ForwardShapes(Bench, 96, 8);
        var eight = new ForwardShapes(Bench, 96, 8, 8);

        Assert.Equal(8 * one.Flops, eight.Flops, 6);
        Assert.All(eight.Products(), p => Assert.True(p.M is 8 * 96 or 8 * 8));
    }

    [Fact]
    public void Autoregressive_table_reports_tokens_of_all_rows_per_second()
    {
        var cell = new AutoregressiveCell(2, PrefillPeakMs: 1, StepOnePeakMs: 0.1, StepBatchPeakMs: 0.2, PrefillMs: 2, StepOneMs: 1.25, StepBatchMs: 2.5);
        var table = new AutoregressiveTable("dc-ar", Decoder, 8, [cell]);

        string rows = table.Rows();

        // batch 1: 1000 / 1.25 ms = 800 tokens/s; batch 8: 8 * 1000 / 2.5 ms = 3200 tokens/s.
        Assert.Contains("| dc-ar | 2 | 2.00 |", rows, StringComparison.Ordinal);
        Assert.Contains("| 1.25 | 800.0 |", rows, StringComparison.Ordinal);
        Assert.Contains("| 2.50 | 3200.0 |", rows, StringComparison.Ordinal);
        AssertWellFormed(AutoregressiveTable.Header(8) + rows);
    }

    [Fact]
    public void Decode_step_shapes_attend_to_the_cache_but_project_one_row()
    {
        var step = AutoregressiveProfile.StepShapes(Decoder, 8);

        Assert.All(step.Products(), p => Assert.Equal(8, p.M));
        Assert.Equal(8 * 4 * 2.0 * 2.0 * 4 * 1 * (32 + 1 + 32) * 32, step.AttentionFlops);
    }

    [Fact]
    public void Simplex_table_puts_the_sampler_outside_the_forward_pass_at_step_minus_forward()
    {
        var table = new SimplexTable("dc-simplex", ["forward pass", "noise draw"], [new SimplexCell(1, 2.0, [1.5, 0.1]), new SimplexCell(2, 1.0, [0.6, 0.1])]);

        string markdown = table.ToMarkdown();

        Assert.Contains("| whole step | 2.000 | 100 % | 1.000 | 100 % |", markdown, StringComparison.Ordinal);
        Assert.Contains("| noise draw | 0.100 | 5 % | 0.100 | 10 % |", markdown, StringComparison.Ordinal);
        Assert.Contains("| sampler outside the forward pass (whole step - forward) | 0.500 | 25 % | 0.400 | 40 % |", markdown, StringComparison.Ordinal);
        AssertWellFormed(markdown[markdown.IndexOf('|', StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Sibling_tables_leave_out_a_section_without_models()
    {
        var batched = new BatchedDecodingTable("bench", Bench, 8, [new BatchedDecodingCell(1, 8, 1, 10, 40, 9, 36)], (216, 230));

        string markdown = ForwardSiblingTables.ToMarkdown(8, [batched], [], []);

        Assert.Contains("### Batch 8 against batch 1", markdown, StringComparison.Ordinal);
        Assert.Contains("216 at batch 1, 230 at batch 8", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("### Autoregressive decoder", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("### Simplex sampler", markdown, StringComparison.Ordinal);
        Assert.Equal("", ForwardSiblingTables.ToMarkdown(8, [], [], []));
    }

    /// <summary>Every table line has as many cells as the header, and the separator line follows the header.</summary>
    private static void AssertWellFormed(string markdown)
    {
        var lines = markdown.Split('\n').Where(l => l.StartsWith('|')).ToList();
        Assert.True(lines.Count >= 3, "a header, a separator and at least one row");
        int cells = lines[0].Count(c => c == '|');
        Assert.All(lines, l => Assert.Equal(cells, l.Count(c => c == '|')));
        Assert.Matches(@"^\|(-+\|)(-+:\|)+$", lines[1].TrimEnd());
    }
}
