namespace DiffusionChat.Sampling;

/// <summary>
/// Prompts of different lengths laid out as one batch on the host, left-padded to the longest prompt so that every
/// row's continuation starts at the same column. Every sampler pads this way; the tensors are then uploaded through
/// <see cref="DeviceTransfers"/>.
/// </summary>
internal static class LeftPadding
{
    /// <summary>Lays the prompts out row-major, optionally followed by <paramref name="answerLength"/> answer columns.</summary>
    /// <param name="prompts">Token ids per row.</param>
    /// <param name="padTokenId">Id placed in the padding (hidden from attention by the flags).</param>
    /// <param name="answerLength">Columns after the prompt, filled with <paramref name="answerTokenId"/> (0 for none).</param>
    /// <param name="answerTokenId">Id of the answer columns (the mask id for masked diffusion).</param>
    /// <returns>
    /// Ids and real-token flags (1 for prompt and answer columns, 0 for padding), each [rows * (Width + answerLength)],
    /// and the padded prompt width.
    /// </returns>
    public static (long[] Ids, long[] Real, int Width) Lay(IReadOnlyList<IReadOnlyList<int>> prompts, long padTokenId, int answerLength = 0, long answerTokenId = 0)
    {
        int width = prompts.Max(p => p.Count);
        int rows = prompts.Count, total = width + answerLength;
        var ids = new long[rows * total];
        var real = new long[rows * total];
        for (int r = 0; r < rows; r++)
        {
            int pad = width - prompts[r].Count;
            for (int j = 0; j < total; j++)
            {
                int at = (r * total) + j;
                ids[at] = j < pad ? padTokenId : j < width ? prompts[r][j - pad] : answerTokenId;
                real[at] = j < pad ? 0 : 1;
            }
        }

        return (ids, real, width);
    }
}
