namespace DiffusionChat.Trainer.Data;

/// <summary>
/// What makes a real place name hard to copy: the kinds the realistic eval reports separately, because a model that
/// copies <c>Oslo</c> may still cut <c>Tromsø</c> to <c>Troms</c> or drop the second word of <c>Addis Ababa</c>.
/// </summary>
internal enum PlaceKind
{
    /// <summary>One word in plain ASCII letters (<c>Ouagadougou</c>).</summary>
    OneWord,

    /// <summary>Several words (spaces or hyphens), plain ASCII (<c>Bordj Bou Arreridj</c>).</summary>
    SeveralWords,

    /// <summary>Latin letters with diacritics or other non-ASCII Latin letters (<c>São Paulo</c>, <c>Tromsø</c>).</summary>
    Diacritics,

    /// <summary>At least one letter of a non-Latin script (<c>Россия</c>, <c>日本</c>).</summary>
    NonLatin,
}

/// <summary>Classifies place names into <see cref="PlaceKind"/>s.</summary>
internal static class PlaceKinds
{
    /// <summary>The kind of <paramref name="name"/>: a non-Latin letter wins over diacritics, which win over word count.</summary>
    public static PlaceKind Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Any(c => char.IsLetter(c) && !IsLatin(c)))
        {
            return PlaceKind.NonLatin;
        }

        if (name.Any(c => c > 0x7F))
        {
            return PlaceKind.Diacritics;
        }

        return name.Any(c => c is ' ' or '-') ? PlaceKind.SeveralWords : PlaceKind.OneWord;
    }

    // Latin script letters live below Greek (U+0370: Basic Latin, Latin-1, Extended-A/B, IPA, spacing modifiers such
    // as the okina) and in Latin Extended Additional, -C and -D.
    private static bool IsLatin(char c) =>
        c < 0x0370 || c is >= '\u1E00' and <= '\u1EFF' || c is >= '\u2C60' and <= '\u2C7F' || c is >= '\uA720' and <= '\uA7FF';
}
