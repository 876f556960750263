namespace DiffusionChat.Trainer.Training;

/// <summary>
/// Key-lookup copy rows: a few <c>key value</c> pairs among random text tokens, then for some of the keys its fixed
/// partner token (the cue) followed by that key's value again; only the values after the cues are trained.
/// </summary>
/// <remarks>
/// Why: a chat answer must copy values whose first token no earlier token points to. In
/// <c>It is snowy and 15 degrees</c> the <c>15</c> follows <c>and</c>, but in the tool result it follows
/// <c>"temperature_c":</c>; in a tool call the city's first token follows <c>"city":"</c>, in the question it follows
/// <c>in</c>. Plain copy rows (<see cref="TokenizedCorpus.CopyBatch"/>) never train that first token (it is unpredictable
/// there), so the model learned it as a remembered value: held-out temperatures came out as training ones
/// (<c>15</c> -> <c>25</c>) and held-out places as training places (<c>Riyadh</c> -> <c>Gothenburg</c>), while the tokens
/// after the first were copied well (docs/training.md, session 9). Here the first value token is found only by its role:
/// the cue names a key through a fixed pairing, and the value is whatever followed that key in this row. The pairing is
/// fixed (not per row) because in chats it is too: the answer template's slot always reads the same key.
/// </remarks>
internal sealed class KeyLookupRows
{
    /// <summary>Key/cue pairs in the fixed pairing.</summary>
    public const int Pairs = 16;

    /// <summary>Most keys in one row (at least two, so the cue must choose).</summary>
    public const int MaxKeysPerRow = 4;

    /// <summary>Longest value (tokens).</summary>
    public const int MaxValueTokens = 3;

    /// <summary>Most random tokens before each pair, each query and the gap between them.</summary>
    public const int MaxFiller = 4;

    /// <summary>Longest row: every pair and every query at their longest, and the gap.</summary>
    public const int MaxLength = (2 * MaxKeysPerRow * (MaxFiller + 1 + MaxValueTokens)) + MaxFiller;

    /// <summary>Fewest distinct text tokens that leave room for values after the pairing.</summary>
    public const int MinimumVocabulary = (2 * Pairs) + 8;

    /// <summary>Why a fixed seed (not the run's): the pairing is part of the data's definition, the same in every run.</summary>
    private const int PairingSeed = 0x6b65_7973;

    private readonly int[] keys;
    private readonly int[] cues;
    private readonly int[] alphabet;

    /// <summary>Draws the pairing from <paramref name="vocabulary"/>; the rest of it is the alphabet of values and filler.</summary>
    /// <exception cref="ArgumentException">The vocabulary has fewer than <see cref="MinimumVocabulary"/> distinct tokens.</exception>
    public KeyLookupRows(IReadOnlyCollection<int> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        var distinct = vocabulary.Distinct().Order().ToArray();
        if (distinct.Length < MinimumVocabulary)
        {
            throw new ArgumentException($"Key-lookup rows need at least {MinimumVocabulary} distinct text tokens ({2 * Pairs} for the pairing, the rest for values); got {distinct.Length}.", nameof(vocabulary));
        }

        new Random(PairingSeed).Shuffle(distinct);
        keys = distinct[..Pairs];
        cues = distinct[Pairs..(2 * Pairs)];
        alphabet = distinct[(2 * Pairs)..];
    }

    /// <summary>The key tokens; <c>Cues[i]</c> asks for the value of <c>Keys[i]</c>.</summary>
    public IReadOnlyList<int> Keys => keys;

    /// <summary>The cue tokens, in the order of <see cref="Keys"/>.</summary>
    public IReadOnlyList<int> Cues => cues;

    /// <summary>
    /// Writes one row from its start into the spans (each at least <see cref="MaxLength"/> long): ids, the trained
    /// positions (the values after cues) and the row's real tokens; the rest is left untouched (padding).
    /// </summary>
    /// <returns>Trained tokens in the row.</returns>
    /// <exception cref="ArgumentException">A span is shorter than <see cref="MaxLength"/>.</exception>
    public int Write(Random random, Span<long> ids, Span<bool> trained, Span<bool> valid)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (ids.Length < MaxLength || trained.Length < MaxLength || valid.Length < MaxLength)
        {
            throw new ArgumentException($"A key-lookup row needs {MaxLength} positions; got {Math.Min(ids.Length, Math.Min(trained.Length, valid.Length))}.");
        }

        var count = random.Next(2, MaxKeysPerRow + 1);
        var chosen = Enumerable.Range(0, Pairs).ToArray();
        random.Shuffle(chosen);
        var values = new int[count][];
        var position = 0;
        for (var k = 0; k < count; k++)
        {
            Filler(random, ids, ref position);
            ids[position++] = keys[chosen[k]];
            values[k] = new int[random.Next(1, MaxValueTokens + 1)];
            for (var v = 0; v < values[k].Length; v++)
            {
                values[k][v] = alphabet[random.Next(alphabet.Length)];
                ids[position++] = values[k][v];
            }
        }

        Filler(random, ids, ref position);
        var asked = Enumerable.Range(0, count).ToArray();
        random.Shuffle(asked);
        var trainedCount = 0;
        foreach (var k in asked.AsSpan(0, random.Next(1, count + 1)))
        {
            Filler(random, ids, ref position);
            ids[position++] = cues[chosen[k]];
            foreach (var token in values[k])
            {
                trained[position] = true;
                ids[position++] = token;
                trainedCount++;
            }
        }

        valid[..position].Fill(true);
        return trainedCount;
    }

    private void Filler(Random random, Span<long> ids, ref int position)
    {
        for (var n = random.Next(0, MaxFiller + 1); n > 0; n--)
        {
            ids[position++] = alphabet[random.Next(alphabet.Length)];
        }
    }
}
