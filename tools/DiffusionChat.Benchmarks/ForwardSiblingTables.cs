using System.Text;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// The <c>forward</c> report's tables after the batch-1 profile: batch B against batch 1 on the masked models, the
/// autoregressive decoder, the simplex sampler. Each table has its own caption; a table without models is left out.
/// </summary>
internal static class ForwardSiblingTables
{
    /// <summary>The tables as markdown, each under a level-3 heading.</summary>
    public static string ToMarkdown(int batch, IReadOnlyList<BatchedDecodingTable> batched, IReadOnlyList<AutoregressiveTable> autoregressive, IReadOnlyList<SimplexTable> simplex)
    {
        var text = new StringBuilder();
        if (batched.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"### Batch {batch} against batch 1");
            text.AppendLine();
            text.Append(BatchedDecodingTable.Header(batch));
            foreach (var table in batched)
            {
                text.Append(table.Rows());
            }

            text.AppendLine();
            foreach (var table in batched)
            {
                text.AppendLine(table.TensorLine());
            }
        }

        if (autoregressive.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Autoregressive decoder");
            text.AppendLine();
            text.Append(AutoregressiveTable.Header(batch));
            foreach (var table in autoregressive)
            {
                text.Append(table.Rows());
            }
        }

        if (simplex.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Simplex sampler");
            text.AppendLine();
            text.AppendLine(SimplexTable.Caption);
            foreach (var table in simplex)
            {
                text.AppendLine();
                text.Append(table.ToMarkdown());
            }
        }

        return text.ToString();
    }
}
