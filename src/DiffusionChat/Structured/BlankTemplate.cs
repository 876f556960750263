using DiffusionChat.Tokenization;

namespace DiffusionChat.Structured;

/// <summary>
/// A text with blanks, tokenized for infilling: the text between blanks as the tokenizer writes it, every blank as
/// <see cref="BlankTokens"/> empty positions (null in <see cref="Row"/>) for a model to fill. Both infillers (masked and
/// simplex) read templates through it, so a template means the same row whichever model fills it.
/// </summary>
/// <param name="Pieces">The text around the blanks (one more than there are blanks; a piece may be empty).</param>
/// <param name="Row">Fixed ids, and null at every blank position.</param>
/// <param name="SpanStarts">Where each blank starts in <see cref="Row"/>, in template order.</param>
/// <param name="BlankTokens">Positions per blank.</param>
internal sealed record BlankTemplate(IReadOnlyList<string> Pieces, IReadOnlyList<int?> Row, IReadOnlyList<int> SpanStarts, int BlankTokens)
{
    /// <summary>Tokenizes <paramref name="template"/> around its blanks.</summary>
    /// <exception cref="ArgumentException">The blank is empty, or the template has none.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="blankTokens"/> is below 1.</exception>
    public static BlankTemplate Parse(string template, string blank, int blankTokens, ITextTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentException.ThrowIfNullOrEmpty(blank);
        ArgumentOutOfRangeException.ThrowIfLessThan(blankTokens, 1);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var pieces = template.Split(blank);
        if (pieces.Length < 2)
        {
            throw new ArgumentException($"The template has no blank '{blank}' to fill.", nameof(template));
        }

        var row = new List<int?>();
        var starts = new List<int>();
        for (int i = 0; i < pieces.Length; i++)
        {
            // Each piece is tokenized on its own: the model sees the same fixed ids whatever fills the blanks.
            row.AddRange(pieces[i].Length > 0 ? tokenizer.Encode(pieces[i]).Select(id => (int?)id) : []);
            if (i < pieces.Length - 1)
            {
                starts.Add(row.Count);
                row.AddRange(Enumerable.Repeat((int?)null, blankTokens));
            }
        }

        return new BlankTemplate(pieces, row, starts, blankTokens);
    }

    /// <summary>The template's text with each blank replaced by what <paramref name="filled"/> holds there.</summary>
    /// <param name="filled">The filled row (same length as <see cref="Row"/>).</param>
    /// <param name="tokenizer">The tokenizer that parsed the template.</param>
    /// <param name="forwardPasses">Model calls the fill made.</param>
    /// <param name="hostReads">Device-to-host copies the fill made.</param>
    public FilledText Render(IReadOnlyList<int> filled, ITextTokenizer tokenizer, int forwardPasses, int hostReads)
    {
        var values = SpanStarts.Select(start => tokenizer.Decode(filled.Skip(start).Take(BlankTokens).ToList())).ToList();
        var text = new System.Text.StringBuilder(Pieces[0]);
        for (int i = 0; i < values.Count; i++)
        {
            text.Append(values[i]).Append(Pieces[i + 1]);
        }

        return new FilledText(text.ToString(), values, forwardPasses, hostReads);
    }
}
