namespace DiffusionChat.Chat;

/// <summary>
/// Turns the growing decoded answer into text that is safe to stream: it holds back any tail that could still become
/// a stop sequence (so stop sequences are matched across block boundaries and never shown), and an incomplete UTF-8
/// character (decoded as U+FFFD until its remaining bytes arrive). Once a stop sequence appears, the answer ends right
/// before it. Text from a withheld marker on (e.g. <c>&lt;tool_call&gt;</c>) is kept back from streaming without ending
/// the answer; it is parsed at the end instead.
/// </summary>
internal sealed class StreamingTextAssembler
{
    private const char Replacement = '\uFFFD';
    private readonly IReadOnlyList<string> stopSequences;
    private readonly IReadOnlyList<string> withheldMarkers;
    private int emitted;

    public StreamingTextAssembler(IEnumerable<string>? stopSequences, IEnumerable<string>? withheldMarkers = null)
    {
        this.stopSequences = Clean(stopSequences);
        this.withheldMarkers = Clean(withheldMarkers);
    }

    /// <summary>
    /// Where the answer ends in the text last passed in: before the first stop sequence, else its full length. Text
    /// after <see cref="Text"/> up to here was withheld (markers) and is part of the answer.
    /// </summary>
    public int AnswerLength { get; private set; }

    /// <summary>Whether a stop sequence has been found; nothing more will be emitted.</summary>
    public bool Stopped { get; private set; }

    /// <summary>All text emitted so far.</summary>
    public string Text { get; private set; } = "";

    /// <summary>
    /// Takes the full decoded answer so far and returns the part not emitted before that is now safe to emit.
    /// </summary>
    /// <param name="fullText">The decoding of every answer token so far.</param>
    /// <param name="final">True when no more tokens will come: nothing is held back any more.</param>
    public string Advance(string fullText, bool final)
    {
        ArgumentNullException.ThrowIfNull(fullText);
        if (Stopped)
        {
            return "";
        }

        int end = fullText.Length;
        int stopAt = FirstOf(stopSequences, fullText);
        if (stopAt >= 0)
        {
            Stopped = true;
            end = stopAt;
        }
        else if (!final)
        {
            end -= HeldBackTail(fullText, stopSequences.Concat(withheldMarkers));
        }

        AnswerLength = Stopped ? stopAt : fullText.Length;
        int withheldAt = FirstOf(withheldMarkers, fullText);
        if (withheldAt >= 0 && withheldAt < end)
        {
            end = withheldAt;
        }

        // Emitted text is never revised; a decoding that no longer extends it is withheld until it does again.
        if (end <= emitted || !fullText.AsSpan(0, emitted).SequenceEqual(Text.AsSpan()))
        {
            return "";
        }

        var chunk = fullText[emitted..end];
        emitted = end;
        Text = fullText[..end];
        return chunk;
    }

    private static List<string> Clean(IEnumerable<string>? texts) =>
        texts?.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).ToList() ?? [];

    private static int FirstOf(IReadOnlyList<string> markers, string text)
    {
        int first = -1;
        foreach (var stop in markers)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    private static int HeldBackTail(string text, IEnumerable<string> markers)
    {
        int incomplete = 0;
        while (incomplete < text.Length && text[text.Length - 1 - incomplete] == Replacement)
        {
            incomplete++;
        }

        int partialStop = 0;
        foreach (var stop in markers)
        {
            for (int len = Math.Min(stop.Length - 1, text.Length); len > partialStop; len--)
            {
                if (text.AsSpan(text.Length - len).SequenceEqual(stop.AsSpan(0, len)))
                {
                    partialStop = len;
                    break;
                }
            }
        }

        return Math.Max(incomplete, partialStop);
    }
}
