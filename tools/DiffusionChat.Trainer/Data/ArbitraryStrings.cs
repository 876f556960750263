using System.Text;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Random strings to be copied verbatim: words in many scripts (Latin with diacritics, Greek, Cyrillic, Arabic,
/// Hebrew, Devanagari, Thai, Hiragana, Hangul, CJK), codes mixing letters, digits and punctuation, and real place
/// names of the training split.
/// </summary>
/// <remarks>
/// Why: the tokenizer splits an unseen name into byte-level pieces, and a piece never copied in training is dropped
/// or replaced when copied (<c>Tromsø</c> -> <c>Troms</c>, <c>São Paulo</c> -> <c>Sleep</c> in issue 25's app
/// prompts). Copy rows over the plain text's tokens (<c>TokenizedCorpus.CopyBatch</c>) never meet those pieces; these
/// strings put them in chat rows whose whole answer is the copy.
/// </remarks>
internal static class ArbitraryStrings
{
    /// <summary>Letter ranges (first, last code point) of the scripts a word is drawn from.</summary>
    private static readonly (int First, int Last)[] Scripts =
    [
        (0x00E0, 0x00FF), (0x0100, 0x017F), (0x03B1, 0x03C9), (0x0430, 0x044F), (0x0627, 0x064A), (0x05D0, 0x05EA),
        (0x0915, 0x0939), (0x0E01, 0x0E2E), (0x3041, 0x3093), (0xAC00, 0xD7A3), (0x4E00, 0x9FFF), ('a', 'z'),
    ];

    private const string CodeCharacters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.#:+";

    /// <summary>One to four space-separated pieces; <paramref name="reject"/> says which strings to draw again.</summary>
    /// <param name="random">The draws.</param>
    /// <param name="places">Real places whose training names are one kind of piece.</param>
    /// <param name="reject">Strings not to produce (e.g. ones spelling a held-out place name).</param>
    public static string Draw(Random random, RealPlaces places, Func<string, bool> reject)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(places);
        ArgumentNullException.ThrowIfNull(reject);
        while (true)
        {
            var pieces = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Piece(random, places));
            var text = string.Join(' ', pieces);
            if (!reject(text))
            {
                return text;
            }
        }
    }

    private static string Piece(Random random, RealPlaces places) => random.Next(4) switch
    {
        0 => places.Draw(random, DataSplit.Train).Name,
        1 => Code(random),
        _ => Word(random),
    };

    /// <summary>A word of 1-8 letters of one script, the first capitalised when the script has case.</summary>
    private static string Word(Random random)
    {
        var (first, last) = Scripts[random.Next(Scripts.Length)];
        var word = new StringBuilder();
        int length = random.Next(1, 9);
        for (int i = 0; i < length; i++)
        {
            word.Append(char.ConvertFromUtf32(random.Next(first, last + 1)));
        }

        var text = word.ToString();
        return random.Next(2) == 0 ? char.ToUpperInvariant(text[0]) + text[1..] : text;
    }

    private static string Code(Random random) =>
        new(Enumerable.Range(0, random.Next(2, 11)).Select(_ => CodeCharacters[random.Next(CodeCharacters.Length)]).ToArray());
}
