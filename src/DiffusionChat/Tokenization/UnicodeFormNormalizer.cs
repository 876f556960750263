using System.Text;
using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>The <c>NFC</c>/<c>NFD</c>/<c>NFKC</c>/<c>NFKD</c> normalizers of <c>tokenizer.json</c>, optionally followed by lower-casing.</summary>
internal sealed class UnicodeFormNormalizer(NormalizationForm? form, bool lowercase) : Normalizer
{
    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        var text = form is { } f ? original.Normalize(f) : original;
        return lowercase ? text.ToLowerInvariant() : text;
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
