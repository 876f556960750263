using System.Text;

namespace DiffusionChat.Benchmarks;

/// <summary>The simplex sampler's medians at one thread count, in ms.</summary>
/// <param name="Threads">LibTorch threads.</param>
/// <param name="StepMs">A whole sampler step (generation time / steps).</param>
/// <param name="PartMs">Each part of <see cref="SimplexTable.Parts"/> timed alone at the step's shapes; the first is the forward pass.</param>
internal sealed record SimplexCell(int Threads, double StepMs, IReadOnlyList<double> PartMs);

/// <summary>The simplex sampler's table of the <c>forward</c> report: one row per part, one column pair per thread count.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Parts">The timed parts, the forward pass first; the projection's nucleus is part of the projection, not added to the rest.</param>
/// <param name="Cells">Medians per thread count.</param>
internal sealed record SimplexTable(string Model, IReadOnlyList<string> Parts, IReadOnlyList<SimplexCell> Cells)
{
    /// <summary>The caption shared by every simplex model's table.</summary>
    public static string Caption =>
        $"Simplex sampler (SSD-LM decoding) through `SimplexSampler`: a prompt of {ForwardProfileCommand.Prompt} tokens, one block of {SimplexProfile.Block} positions, {SimplexProfile.Steps} steps, top-p 0.2 multi-hot projection, batch 1. " +
        $"*Whole step*: generation time / {SimplexProfile.Steps} (includes the block's start and its one host read). Each part is timed alone at the step's shapes (ms per step; one call each per step); *share of step* = part / whole step. " +
        "*Sampler outside the forward pass*: whole step - forward pass (noise, projection with top-p, re-noising, the timestep tensor and per-step bookkeeping). Medians over rounds.";

    /// <summary>This model's table (a heading line and the table).</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"*{Model}*:");
        text.AppendLine();
        text.Append("| part |");
        foreach (var c in Cells)
        {
            text.Append($" {c.Threads} thread{(c.Threads == 1 ? "" : "s")} (ms per step) | share of step |");
        }

        text.AppendLine();
        text.AppendLine("|---|" + string.Concat(Cells.Select(_ => "---:|---:|")));
        string Cell(double ms, SimplexCell c) => $" {ReportFormat.F(ms, "F3")} | {ReportFormat.F(100 * ms / c.StepMs, "F0")} % |";
        text.AppendLine("| whole step |" + string.Concat(Cells.Select(c => Cell(c.StepMs, c))));
        for (int i = 0; i < Parts.Count; i++)
        {
            text.AppendLine($"| {Parts[i]} |" + string.Concat(Cells.Select(c => Cell(c.PartMs[i], c))));
        }

        text.AppendLine("| sampler outside the forward pass (whole step - forward) |" + string.Concat(Cells.Select(c => Cell(c.StepMs - c.PartMs[0], c))));
        return text.ToString();
    }
}
