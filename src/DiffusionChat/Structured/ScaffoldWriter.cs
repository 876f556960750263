using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DiffusionChat.Prompting;

namespace DiffusionChat.Structured;

/// <summary>
/// Writes a canvas: fixed text as is, each choice and value by the <see cref="IScaffoldFiller"/>. Values are escaped
/// (strings) or repaired and clamped (numbers) on the way in, so the text is valid JSON matching the schema the canvas
/// came from, whatever the filler returns: structure by construction.
/// </summary>
/// <remarks>Stateless and thread-safe (the filler is the caller's).</remarks>
public static partial class ScaffoldWriter
{
    /// <summary>Writes <paramref name="canvas"/> after <paramref name="prefix"/>.</summary>
    /// <param name="canvas">The canvas.</param>
    /// <param name="filler">The model side.</param>
    /// <param name="prefix">Answer text already written before the canvas (empty for a whole answer).</param>
    /// <param name="cancellationToken">Passed to the filler.</param>
    /// <returns>The prefix followed by the written canvas.</returns>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static string Write(CanvasNode canvas, IScaffoldFiller filler, string prefix = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(filler);
        ArgumentNullException.ThrowIfNull(prefix);
        var text = new StringBuilder(prefix);
        WriteNode(canvas, filler, text, cancellationToken);
        return text.ToString();
    }

    /// <summary>The JSON-escaped form of a string value the model wrote: its JSON unescaping when it has one, else the text itself, cut to <paramref name="maxLength"/> code points.</summary>
    internal static string EscapedString(string raw, int? maxLength)
    {
        string value;
        try
        {
            value = JsonSerializer.Deserialize<string>("\"" + raw + "\"") ?? "";
        }
        catch (JsonException)
        {
            value = raw; // not valid JSON escapes (e.g. a lone backslash): keep the characters literally
        }

        if (maxLength is { } max && value.EnumerateRunes().Count() > max)
        {
            value = string.Concat(value.EnumerateRunes().Take(max).Select(r => r.ToString()));
        }

        var quoted = TemplateJson.Write(value);
        return quoted[1..^1];
    }

    /// <summary>The longest JSON number at the start of <paramref name="raw"/> (0 when there is none), whole if asked, clamped into the bounds.</summary>
    internal static string RepairedNumber(string raw, NumberSlot slot)
    {
        var match = NumberStart().Match(raw);
        string text = match.Success ? match.Value : "0";
        if (slot.Integer && text.Contains('.', StringComparison.Ordinal))
        {
            text = text[..text.IndexOf('.', StringComparison.Ordinal)];
        }

        if (text is "-" or "-0" or "")
        {
            text = "0";
        }

        double value = double.Parse(text, CultureInfo.InvariantCulture);
        double low = slot.Minimum is { } min ? (slot.Integer ? Math.Ceiling(min) : min) : double.NegativeInfinity;
        double high = slot.Maximum is { } max ? (slot.Integer ? Math.Floor(max) : max) : double.PositiveInfinity;
        if (value < low || value > high)
        {
            double clamped = Math.Clamp(value, low, Math.Max(low, high));
            return clamped.ToString(slot.Integer ? "0" : "R", CultureInfo.InvariantCulture);
        }

        return text;
    }

    private static void WriteNode(CanvasNode node, IScaffoldFiller filler, StringBuilder text, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        switch (node)
        {
            case FixedText f:
                text.Append(f.Text);
                break;
            case StringSlot s:
                text.Append(EscapedString(filler.FillString(text.ToString(), s, cancellationToken) ?? "", s.MaxLength));
                break;
            case NumberSlot n:
                text.Append(RepairedNumber(filler.FillNumber(text.ToString(), n, cancellationToken) ?? "", n));
                break;
            case CanvasSequence sequence:
                foreach (var part in sequence.Parts)
                {
                    WriteNode(part, filler, text, cancellationToken);
                }

                break;
            case Alternatives alternatives:
                WriteNode(Chosen(alternatives.Options, filler, text.ToString(), cancellationToken), filler, text, cancellationToken);
                break;
            case BoundedRepeat repeat:
                WriteRepeat(repeat, filler, text, cancellationToken);
                break;
            default:
                throw new ArgumentException($"Unknown canvas node {node.GetType().Name}.", nameof(node));
        }
    }

    private static void WriteRepeat(BoundedRepeat repeat, IScaffoldFiller filler, StringBuilder text, CancellationToken cancellationToken)
    {
        for (int count = 0; ; count++)
        {
            if (count >= repeat.MinItems)
            {
                bool close = count >= repeat.MaxItems
                    || filler.Choose(text.ToString(), [repeat.Separator, repeat.Close], cancellationToken) == 1;
                if (close)
                {
                    text.Append(repeat.Close);
                    return;
                }
            }

            if (count > 0)
            {
                text.Append(repeat.Separator);
            }

            WriteNode(repeat.Item, filler, text, cancellationToken);
        }
    }

    /// <summary>The option whose opening the filler likes best (the first option on shared openings).</summary>
    private static CanvasNode Chosen(IReadOnlyList<CanvasNode> options, IScaffoldFiller filler, string written, CancellationToken cancellationToken)
    {
        var openings = new List<string>();
        var owner = new List<CanvasNode>();
        foreach (var option in options)
        {
            foreach (var opening in JsonSchemaScaffold.OpeningTexts(option))
            {
                if (!openings.Contains(opening, StringComparer.Ordinal))
                {
                    openings.Add(opening);
                    owner.Add(option);
                }
            }
        }

        if (openings.Count == 1)
        {
            return owner[0];
        }

        int index = filler.Choose(written, openings, cancellationToken);
        if (index < 0 || index >= openings.Count)
        {
            throw new InvalidOperationException($"The scaffold filler chose option {index} of {openings.Count}.");
        }

        return owner[index];
    }

    [GeneratedRegex(@"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")]
    private static partial Regex NumberStart();
}
