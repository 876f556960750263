namespace DiffusionChat.Benchmarks;

/// <summary>
/// A part of a generated document that one command owns, between <c>&lt;!-- name:begin --&gt;</c> and
/// <c>&lt;!-- name:end --&gt;</c>, so several commands can write into docs/benchmarks.md without erasing each other.
/// </summary>
internal static class MarkedSection
{
    /// <summary>What stands between the markers, or null when <paramref name="text"/> has no such section.</summary>
    public static string? Find(string text, string name) => Locate(text, name) is var (start, length) && length >= 0
        ? text.Substring(start, length).Trim('\n')
        : null;

    /// <summary><paramref name="text"/> with the section's content replaced by <paramref name="content"/>, or the section appended when missing.</summary>
    public static string Write(string text, string name, string content)
    {
        var (begin, end) = Markers(name);
        string section = $"{begin}\n{content.Trim('\n')}\n{end}";
        if (Locate(text, name) is var (start, length) && length >= 0)
        {
            return text[..(start - begin.Length)] + section + text[(start + length + end.Length)..];
        }

        return text.TrimEnd() + "\n\n" + section + "\n";
    }

    /// <summary>Start and length of the content between the markers; a negative length when they are missing.</summary>
    private static (int Start, int Length) Locate(string text, string name)
    {
        var (begin, end) = Markers(name);
        int a = text.IndexOf(begin, StringComparison.Ordinal);
        int b = a < 0 ? -1 : text.IndexOf(end, a + begin.Length, StringComparison.Ordinal);
        return b < 0 ? (0, -1) : (a + begin.Length, b - a - begin.Length);
    }

    private static (string Begin, string End) Markers(string name) => ($"<!-- {name}:begin -->", $"<!-- {name}:end -->");
}
