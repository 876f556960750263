using System.Text.RegularExpressions;
using DiffusionChat.Tokenization;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

public sealed partial class SyntheticNamesTests
{
    [Fact]
    public void Made_up_values_spell_most_of_the_shipped_tokenizers_short_word_pieces()
    {
        // A piece that never occurs in a made-up value is never copied in training, and the masked model drops it when
        // a held-out value needs it (session 16: "breezy" copied as "bree"). 68 % of these pieces occurred before.
        var tokenizer = TokenizerLoader.Load(RepoPaths.Path("models", "tokenizer"));
        var random = new Random(5);
        var seen = new HashSet<int>();
        for (int i = 0; i < 20000; i++)
        {
            foreach (var value in (string[])[SyntheticNames.Place(random), SyntheticNames.Condition(random)])
            {
                seen.UnionWith(tokenizer.Encode(value));
                seen.UnionWith(tokenizer.Encode(" " + value));
            }
        }

        var pieces = Enumerable.Range(0, tokenizer.VocabularySize).Where(id => ShortLowercase().IsMatch(tokenizer.Decode([id]))).ToList();
        double share = pieces.Count(seen.Contains) / (double)pieces.Count;

        Assert.True(pieces.Count > 1000, $"{pieces.Count} short lowercase pieces");
        Assert.True(share >= 0.75, $"made-up values use {share:P1} of the {pieces.Count} short lowercase pieces");
    }

    [GeneratedRegex("^[a-z]{1,4}$")]
    private static partial Regex ShortLowercase();
}
