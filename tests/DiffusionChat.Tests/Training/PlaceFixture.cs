using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

/// <summary>
/// A small gazetteer for tests (the real one is a 17 MB npm package the tests do not fetch): a few hundred names of
/// every <see cref="PlaceKind"/>, spelled from syllables, plus the names issue 25's app prompts asked about.
/// </summary>
internal static class PlaceFixture
{
    public static readonly string[] Names = Build();

    public static readonly RealPlaces Places = new(Names);

    private static string[] Build()
    {
        string[] a = ["Kar", "Mel", "Tor", "Vis", "Ban", "Lum", "Oda", "Pel", "Rin", "Sul", "Gat", "Hov"];
        string[] b = ["ova", "ing", "ada", "ume", "ost", "ica", "ek", "und"];
        var oneWord = a.SelectMany(x => b.Select(y => x + y)).ToList();
        var severalWords = oneWord.Take(60).Select((n, i) => i % 2 == 0 ? $"San {n}" : $"{n}-{oneWord[^(i + 1)]}").ToList();
        var diacritics = oneWord.Take(60).Select((n, i) => (i % 3) switch { 0 => n + "ø", 1 => "Sã" + n.ToLowerInvariant(), _ => n.Replace('a', 'á') + " Město" }).ToList();
        string[] cyrillic = ["Ка", "Мо", "Ла", "Ре", "Ви", "То"], greek = ["Αθ", "Κα", "Λα", "Μο", "Πε"], cjk = ["東", "京", "大", "阪", "北", "海"];
        var nonLatin = cyrillic.SelectMany(x => cyrillic.Select(y => x + y.ToLowerInvariant() + "ск"))
            .Concat(greek.SelectMany(x => greek.Select(y => x + y.ToLowerInvariant() + "α")))
            .Concat(cjk.SelectMany(x => cjk.Select(y => x + y))).ToList();
        string[] issue = ["São Paulo", "Paulo", "Tromsø", "Ouagadougou", "Addis Ababa", "New York Mills", "Dublin", "Россия", "日本"];
        return [.. oneWord, .. severalWords, .. diacritics, .. nonLatin, .. issue];
    }
}
