using System.Text.RegularExpressions;

namespace DiffusionChat.Trainer.Tokenization;

/// <summary>How text is cut into words before BPE, at training and at load time alike.</summary>
/// <remarks>
/// GPT-2's pattern with two changes. Digits are single pre-tokens (like LLaMA), so numbers are spelled digit by
/// digit and small models can learn arithmetic position by position. And a space is never glued to the word after
/// it: GPT-2 writes " Busan" in a question but "Busan" inside JSON (after a quote) with different pieces, so copying a
/// name or a value from the question into a tool call, or from a tool result into the answer, would be a learned
/// mapping per piece; with spaces as their own tokens a word has the same pieces wherever it stands and copying is
/// the identity. The price is about one token more per word.
/// </remarks>
internal static partial class PreTokenization
{
    /// <summary>The pattern.</summary>
    public const string Pattern = @"'(?:[sdmt]|ll|ve|re)|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The compiled pattern.</summary>
    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    public static partial Regex Regex();
}
