namespace DiffusionChat.Trainer.Training;

/// <summary>The assistant turns of a chat row, as the runs of trained tokens in its loss mask.</summary>
/// <remarks>
/// Both diffusion objectives train one assistant turn per chat row (LLaDA-style SFT), drawn uniformly; this is that
/// draw, in one place so that the masked and simplex objectives pick turns the same way.
/// </remarks>
internal static class AnswerTurns
{
    /// <summary>[Start, End) of every run of <c>true</c> in <paramref name="loss"/>, in order.</summary>
    public static List<(int Start, int End)> Spans(ReadOnlySpan<bool> loss)
    {
        var spans = new List<(int Start, int End)>();
        for (int i = 0; i < loss.Length;)
        {
            if (!loss[i])
            {
                i++;
                continue;
            }

            int start = i;
            while (i < loss.Length && loss[i])
            {
                i++;
            }

            spans.Add((start, i));
        }

        return spans;
    }

    /// <summary>The turn a uniform <paramref name="draw"/> in [0, 1) picks, or <c>null</c> when the row has none.</summary>
    public static (int Start, int End)? Pick(ReadOnlySpan<bool> loss, float draw)
    {
        var spans = Spans(loss);
        return spans.Count == 0 ? null : spans[Math.Min(spans.Count - 1, (int)(draw * spans.Count))];
    }
}
