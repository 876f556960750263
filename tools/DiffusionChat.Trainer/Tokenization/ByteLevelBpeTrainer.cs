using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Tokenization;

/// <summary>
/// Learns a byte-level BPE vocabulary (Sennrich et al. 2016, with GPT-2's byte alphabet): start from the 256 byte
/// symbols, repeatedly merge the most frequent adjacent pair inside pre-tokenized words, until the vocabulary reaches
/// the requested size or no pair occurs twice. Special tokens are cut out of the text first and appended as added tokens.
/// </summary>
/// <remarks>
/// Pair counts are updated incrementally (only the words containing the merged pair are rewritten), so training a 4k
/// vocabulary on the Brown corpus takes seconds. Ties go to the pair whose symbols were created first, which makes the
/// result independent of dictionary iteration order.
/// </remarks>
internal static class ByteLevelBpeTrainer
{
    /// <summary>Trains a vocabulary.</summary>
    /// <param name="texts">The training texts; special tokens inside them are not split into bytes.</param>
    /// <param name="vocabularySize">The total size including the 256 bytes and the special tokens.</param>
    /// <param name="specialTokens">Added after the merges, in this order (default <see cref="ChatMarkers.SpecialTokens"/>).</param>
    /// <param name="cancellationToken">Stops training between merges.</param>
    /// <returns>The vocabulary and merges.</returns>
    public static BpeVocabulary Train(IEnumerable<string> texts, int vocabularySize, IReadOnlyList<string>? specialTokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        specialTokens ??= ChatMarkers.SpecialTokens;
        var minimum = 256 + specialTokens.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, minimum + 1);

        var symbols = ByteLevelAlphabet.All.Select(c => c.ToString()).ToList();
        var wordCounts = CountWords(texts, specialTokens);
        var idOfChar = symbols.Select((s, i) => (s, i)).ToDictionary(p => p.s[0], p => p.i);
        var words = wordCounts.Select(w => w.Key.Select(c => idOfChar[c]).ToList()).ToList();
        var counts = wordCounts.Select(w => (long)w.Value).ToArray();

        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        for (var w = 0; w < words.Count; w++)
        {
            AddPairs(words[w], w, counts[w], pairCounts, pairWords);
        }

        var merges = new List<(string, string)>();
        while (symbols.Count + specialTokens.Count < vocabularySize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var best = BestPair(pairCounts);
            if (best is not { } pair || pairCounts[pair] < 2)
            {
                break;
            }

            var merged = symbols.Count;
            symbols.Add(symbols[pair.Item1] + symbols[pair.Item2]);
            merges.Add((symbols[pair.Item1], symbols[pair.Item2]));
            foreach (var w in pairWords[pair].ToList())
            {
                RemovePairs(words[w], w, counts[w], pairCounts, pairWords);
                words[w] = Merge(words[w], pair, merged);
                AddPairs(words[w], w, counts[w], pairCounts, pairWords);
            }
        }

        var vocabulary = symbols.Concat(specialTokens).Select((token, id) => (token, id)).ToDictionary(p => p.token, p => p.id, StringComparer.Ordinal);
        return new BpeVocabulary(vocabulary, merges, specialTokens);
    }

    private static Dictionary<string, int> CountWords(IEnumerable<string> texts, IReadOnlyList<string> specialTokens)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var piece in text.Split(specialTokens.ToArray(), StringSplitOptions.None))
            {
                foreach (var match in PreTokenization.Regex().EnumerateMatches(piece))
                {
                    var word = ByteLevelAlphabet.Encode(piece.Substring(match.Index, match.Length));
                    counts[word] = counts.GetValueOrDefault(word) + 1;
                }
            }
        }

        // Sorted so that word indices, and with them every later step, do not depend on hash order.
        return counts.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    private static (int, int)? BestPair(Dictionary<(int, int), long> pairCounts)
    {
        (int, int)? best = null;
        var bestCount = 0L;
        foreach (var (pair, count) in pairCounts)
        {
            if (count > bestCount || (count == bestCount && best is { } b && pair.CompareTo(b) < 0))
            {
                best = pair;
                bestCount = count;
            }
        }

        return best;
    }

    private static List<int> Merge(List<int> word, (int, int) pair, int merged)
    {
        var result = new List<int>(word.Count);
        for (var i = 0; i < word.Count; i++)
        {
            if (i + 1 < word.Count && word[i] == pair.Item1 && word[i + 1] == pair.Item2)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(word[i]);
            }
        }

        return result;
    }

    private static void AddPairs(List<int> word, int w, long count, Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> pairWords)
    {
        for (var i = 0; i + 1 < word.Count; i++)
        {
            var pair = (word[i], word[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
            if (!pairWords.TryGetValue(pair, out var set))
            {
                pairWords[pair] = set = [];
            }

            set.Add(w);
        }
    }

    private static void RemovePairs(List<int> word, int w, long count, Dictionary<(int, int), long> pairCounts, Dictionary<(int, int), HashSet<int>> pairWords)
    {
        for (var i = 0; i + 1 < word.Count; i++)
        {
            var pair = (word[i], word[i + 1]);
            var left = pairCounts[pair] - count;
            if (left == 0)
            {
                pairCounts.Remove(pair);
                pairWords.Remove(pair);
            }
            else
            {
                pairCounts[pair] = left;
                pairWords[pair].Remove(w);
            }
        }
    }
}
