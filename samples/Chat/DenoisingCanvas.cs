using DiffusionChat.Generation;

namespace DiffusionChat.Samples.Chat;

/// <summary>
/// The answer positions of one request as a masked sampler denoises them: each position is masked until a step
/// commits a token there. Fed by <see cref="MaskedTokenGenerator.StepCommitted"/> on the generation thread and read by
/// the view on the console thread, so every member locks.
/// </summary>
internal sealed class DenoisingCanvas
{
    private readonly object gate = new();
    private readonly List<int?> cells = [];

    /// <summary>Creates a canvas of <paramref name="answerLength"/> masked positions (it grows if a step reaches past them).</summary>
    public DenoisingCanvas(int answerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(answerLength);
        cells.AddRange(Enumerable.Repeat<int?>(null, answerLength));
    }

    /// <summary>Commits the step's tokens at its positions.</summary>
    public void Apply(DenoisingStepEventArgs step)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (gate)
        {
            for (int i = 0; i < step.Positions.Count; i++)
            {
                int position = step.Positions[i];
                while (cells.Count <= position)
                {
                    cells.Add(null);
                }

                cells[position] = step.Tokens[i];
            }

        }
    }

    /// <summary>A copy of the positions: a token id where committed, null where still masked.</summary>
    public IReadOnlyList<int?> Snapshot()
    {
        lock (gate)
        {
            return [.. cells];
        }
    }

    /// <summary>Renders the positions as text: committed tokens decoded one by one, masked ones as <paramref name="maskGlyph"/>.</summary>
    public string Render(Func<int, string> decode, string maskGlyph = "░")
    {
        ArgumentNullException.ThrowIfNull(decode);
        var text = new System.Text.StringBuilder();
        foreach (var cell in Snapshot())
        {
            text.Append(cell is { } id ? decode(id) : maskGlyph);
        }

        return text.ToString();
    }
}
