using System.Text.RegularExpressions;

namespace DiffusionChat.Trainer.Tokenization;

/// <summary>How text is cut into words before BPE, at training and at load time alike.</summary>
/// <remarks>
/// GPT-2's pattern with one change: digits are single pre-tokens (like LLaMA), so numbers are spelled digit by
/// digit and small models can learn arithmetic position by position.
/// </remarks>
internal static partial class PreTokenization
{
    /// <summary>The pattern.</summary>
    public const string Pattern = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The compiled pattern.</summary>
    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    public static partial Regex Regex();
}
