namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Made-up place names and weather words for the training split, so that a small model has to copy the argument
/// from the question (and the value from the tool result) instead of memorising a short list of real names.
/// </summary>
/// <remarks>
/// Why: with only the ~100 real training cities, the first shipped model learned the tool-call shape but wrote a
/// memorised name ("Melsinki") for every unseen city. Thousands of distinct pronounceable names, spelled from
/// syllables whose sub-word pieces also occur in real names, make copying the only way to lower the loss. A name
/// that contains a held-out city, condition or word is never produced, so the held-out split stays unseen.
/// <para>Session 16: the syllables gained the spellings English words commonly have (onsets such as "bl", "sp", "qu";
/// vowels "ee", "oo", "y"; codas "z", "x", "ck", "ng", doubled consonants). Before, a word piece such as "zy" never
/// occurred in a made-up value, and a fine-tuned masked model copied a returned "breezy" as "bree" (the piece it had
/// never copied was dropped). Of the shipped tokenizer's 1,462 lowercase pieces of 1 to 4 letters, 1,000 occurred in
/// 40,000 made-up values before and 1,129 after.</para>
/// </remarks>
internal static class SyntheticNames
{
    private static readonly string[] Onsets =
        ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kl", "l", "m", "n", "p", "pr", "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "z",
         "bl", "cl", "fl", "pl", "sl", "sp", "sk", "sn", "qu", "wh", "y", "x"];

    private static readonly string[] Vowels = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "ie", "ee", "oo", "au", "y"];

    private static readonly string[] Codas = ["", "", "", "n", "r", "l", "s", "m", "th", "rk", "nd", "st", "z", "x", "ck", "ng", "p", "t", "d", "g", "k", "ll", "tt", "ff"];

    private static readonly string[] PlacePrefixes = ["San", "Port", "Saint", "Lake", "North", "East", "Old"];

    private static readonly string[] HeldOutAtoms = InstructionVocabulary.HeldOutAtoms();

    /// <summary>A place name such as <c>Varelin</c> or <c>Port Tosamar</c>.</summary>
    /// <param name="random">The draws.</param>
    /// <param name="reject">
    /// Names to draw again besides those spelling a held-out atom (e.g. <see cref="RealPlaces.SpellsHeldOutName"/>, so a
    /// made-up name never equals a real place kept for the realistic eval). A name it accepts costs no extra draw, so
    /// the sequence of names is unchanged wherever it accepts every name.
    /// </param>
    public static string Place(Random random, Func<string, bool>? reject = null)
    {
        while (true)
        {
            var word = Capitalise(Word(random, random.Next(2, 4)));
            var name = random.Next(6) switch
            {
                0 => $"{PlacePrefixes[random.Next(PlacePrefixes.Length)]} {word}",
                1 => $"{word} {Capitalise(Word(random, random.Next(1, 3)))}",
                _ => word,
            };
            if (IsFree(name) && reject?.Invoke(name) != true)
            {
                return name;
            }
        }
    }

    /// <summary>
    /// Endings of made-up weather words. Why several: until session 5 every made-up word ended in "y", and the masked
    /// model learned to write some pieces plus "y" instead of copying (held-out "snowy" -> "zsyy"; "overcast" has no
    /// "y" at all). With varied endings only copying the word from the tool result lowers the loss.
    /// </summary>
    private static readonly string[] ConditionEndings = ["y", "y", "", "ing", "ed", "ish"];

    /// <summary>A made-up weather word such as <c>dravy</c>, <c>tholing</c> or <c>kesh</c>.</summary>
    /// <param name="random">The draws.</param>
    /// <param name="reject">Words to draw again, as for <see cref="Place"/>.</param>
    public static string Condition(Random random, Func<string, bool>? reject = null)
    {
        while (true)
        {
            var word = Word(random, random.Next(1, 3)) + ConditionEndings[random.Next(ConditionEndings.Length)];
            if (IsFree(word) && reject?.Invoke(word) != true)
            {
                return word;
            }
        }
    }

    private static string Word(Random random, int syllables)
    {
        var text = new System.Text.StringBuilder();
        for (int s = 0; s < syllables; s++)
        {
            text.Append(Onsets[random.Next(Onsets.Length)]).Append(Vowels[random.Next(Vowels.Length)]);
            if (s == syllables - 1 || random.Next(3) == 0)
            {
                text.Append(Codas[random.Next(Codas.Length)]);
            }
        }

        return text.ToString();
    }

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static bool IsFree(string candidate) =>
        !HeldOutAtoms.Any(atom => candidate.Contains(atom, StringComparison.OrdinalIgnoreCase));
}
