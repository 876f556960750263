using System.Text;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Real place names split once, deterministically, into names used in training and names kept for the realistic eval.
/// </summary>
/// <remarks>
/// <para>A name's split is a hash of its lower-case form, so the same name in two countries (or two package versions)
/// lands in the same split; every fifth hash bucket is held out. A held-out name is dropped altogether when it is a
/// word sequence of a training name (held-out <c>Paulo</c> inside training <c>São Paulo</c>), so no held-out name is
/// ever spelled in training place names. Names that spell a word sequence of the generator's own pools (its cities,
/// held-out weather words and reasoning words: <see cref="InstructionVocabulary"/>) are dropped from both splits, so
/// the generator's held-out split stays unseen and the realistic split does not ask about a generator city.</para>
/// <para>Both splits are grouped by <see cref="PlaceKind"/>, so a draw can ask for the hard kinds as often as the
/// easy ones (the gazetteer is mostly one-word ASCII names).</para>
/// </remarks>
internal sealed class RealPlaces
{
    private readonly Dictionary<(DataSplit, PlaceKind), string[]> byKind;
    private readonly HashSet<string> heldOutLower;

    /// <summary>Splits <paramref name="names"/> (already cleaned, e.g. by <see cref="PlacePackages.Usable"/>).</summary>
    /// <exception cref="ArgumentException">A split has no name of some kind, so draws of that kind would be impossible.</exception>
    public RealPlaces(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var generatorAtoms = InstructionVocabulary.Cities.Concat(InstructionVocabulary.Words).Concat(InstructionVocabulary.Conditions)
            .Select(Lower).ToHashSet(StringComparer.Ordinal);
        var usable = names.Distinct(StringComparer.Ordinal).Where(n => !WordSequences(n).Any(generatorAtoms.Contains)).ToList();
        var train = usable.Where(n => !IsHeldOutName(n)).ToList();
        var trainSequences = train.SelectMany(WordSequences).ToHashSet(StringComparer.Ordinal);
        var heldOut = usable.Where(n => IsHeldOutName(n) && !trainSequences.Contains(Lower(n))).ToList();
        heldOutLower = heldOut.Select(Lower).ToHashSet(StringComparer.Ordinal);
        byKind = new();
        foreach (var (split, list) in new[] { (DataSplit.Train, train), (DataSplit.HeldOut, heldOut) })
        {
            foreach (var kind in Enum.GetValues<PlaceKind>())
            {
                var ofKind = list.Where(n => PlaceKinds.Of(n) == kind).ToArray();
                if (ofKind.Length == 0)
                {
                    throw new ArgumentException($"No {split} place name of kind {kind} among the {usable.Count} usable names; every split needs every kind.", nameof(names));
                }

                byKind[(split, kind)] = ofKind;
            }
        }
    }

    /// <summary>Loads the pinned packages from <paramref name="folder"/> (see <see cref="PlacePackages"/>).</summary>
    public static RealPlaces Load(string folder) => new(PlacePackages.ReadNames(folder));

    /// <summary>The names of one split and kind.</summary>
    public IReadOnlyList<string> Names(DataSplit split, PlaceKind kind) => byKind[(split, kind)];

    /// <summary>A name of <paramref name="split"/>: the kind uniform over <see cref="PlaceKind"/>, the name uniform within it.</summary>
    public (PlaceKind Kind, string Name) Draw(Random random, DataSplit split)
    {
        ArgumentNullException.ThrowIfNull(random);
        var kinds = Enum.GetValues<PlaceKind>();
        var kind = kinds[random.Next(kinds.Length)];
        var names = byKind[(split, kind)];
        return (kind, names[random.Next(names.Length)]);
    }

    /// <summary>
    /// Whether <paramref name="text"/> spells a held-out name as one of its word sequences (case ignored): what a
    /// made-up training name must not do.
    /// </summary>
    public bool SpellsHeldOutName(string text) => WordSequences(text).Any(heldOutLower.Contains);

    /// <summary>Whether a name's hash puts it in the held-out split (every fifth bucket).</summary>
    public static bool IsHeldOutName(string name) => Fnv1a(Lower(name)) % 5 == 4;

    /// <summary>
    /// Every contiguous run of words of <paramref name="text"/> in lower case (words split at spaces and hyphens):
    /// <c>São Paulo</c> gives <c>são</c>, <c>paulo</c> and <c>são paulo</c>.
    /// </summary>
    public static IEnumerable<string> WordSequences(string text)
    {
        var words = Lower(text).Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries);
        for (int start = 0; start < words.Length; start++)
        {
            for (int end = start + 1; end <= words.Length; end++)
            {
                yield return string.Join(' ', words[start..end]);
            }
        }
    }

    private static string Lower(string name) => name.ToLowerInvariant().Replace('-', ' ');

    // FNV-1a over UTF-8: the same in every process and .NET version (string.GetHashCode is randomised per process).
    private static uint Fnv1a(string text)
    {
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }
}
