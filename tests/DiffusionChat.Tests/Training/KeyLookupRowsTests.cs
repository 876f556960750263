using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class KeyLookupRowsTests : IDisposable
{
    private static readonly int[] Vocabulary = Enumerable.Range(200, 60).ToArray();
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Every_trained_value_follows_a_cue_and_repeats_what_followed_the_key_paired_with_that_cue()
    {
        var rows = new KeyLookupRows(Vocabulary);
        var random = new Random(7);
        for (int r = 0; r < 300; r++)
        {
            var (ids, trained, valid) = (new long[80], new bool[80], new bool[80]);
            int trainedCount = rows.Write(random, ids, trained, valid);

            int length = valid.Count(v => v);
            Assert.InRange(length, 4, KeyLookupRows.MaxLength);
            Assert.All(Enumerable.Range(0, 80), i => Assert.Equal(i < length, valid[i])); // one contiguous row from the start
            Assert.Equal(trained.Count(t => t), trainedCount);
            var keysInRow = Enumerable.Range(0, length).Where(i => rows.Keys.Contains((int)ids[i])).ToArray();
            Assert.InRange(keysInRow.Length, 2, KeyLookupRows.MaxKeysPerRow);
            Assert.Equal(keysInRow.Length, keysInRow.Select(i => ids[i]).Distinct().Count());

            int queries = 0;
            for (int i = 0; i < length; i++)
            {
                if (!trained[i] || trained[i - 1])
                {
                    continue;
                }

                queries++;
                int pair = rows.Cues.ToList().IndexOf((int)ids[i - 1]);
                Assert.True(pair >= 0, $"row {r}: the trained value at {i} does not follow a cue");
                int key = Array.IndexOf(ids, (long)rows.Keys[pair]);
                Assert.InRange(key, 0, i - 2); // the key came earlier in the row
                int end = i;
                while (end < length && trained[end])
                {
                    end++;
                }

                Assert.InRange(end - i, 1, KeyLookupRows.MaxValueTokens);
                Assert.Equal(ids[(key + 1)..(key + 1 + end - i)], ids[i..end]);
            }

            Assert.InRange(queries, 1, keysInRow.Length);
            Assert.Equal(queries, Enumerable.Range(0, length).Count(i => rows.Cues.Contains((int)ids[i]))); // cues occur only as queries
        }
    }

    [Fact]
    public void The_pairing_is_fixed_by_the_vocabulary_not_by_its_order_and_keys_and_cues_are_disjoint()
    {
        var rows = new KeyLookupRows(Vocabulary);
        var again = new KeyLookupRows(Vocabulary.Reverse().Concat(Vocabulary).ToArray());

        Assert.Equal(rows.Keys, again.Keys);
        Assert.Equal(rows.Cues, again.Cues);
        Assert.Equal(KeyLookupRows.Pairs, rows.Keys.Concat(rows.Cues).Distinct().Count() / 2);
    }

    [Fact]
    public void A_vocabulary_too_small_for_the_pairing_or_a_short_row_is_rejected_with_the_sizes()
    {
        var small = Assert.Throws<ArgumentException>(() => new KeyLookupRows(Enumerable.Range(0, 39).ToArray()));
        Assert.Contains($"at least {KeyLookupRows.MinimumVocabulary} distinct text tokens", small.Message, StringComparison.Ordinal);
        Assert.Contains("got 39", small.Message, StringComparison.Ordinal);

        var rows = new KeyLookupRows(Vocabulary);
        var shortRow = Assert.Throws<ArgumentException>(() => rows.Write(new Random(1), new long[10], new bool[10], new bool[10]));
        Assert.Contains($"needs {KeyLookupRows.MaxLength} positions; got 10", shortRow.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_batches_mix_in_lookup_rows_at_the_share_asked_and_stay_a_pure_function_of_seed_and_step()
    {
        var corpus = RichTextCorpus();
        using var mixed = corpus.CopyBatch(seed: 2, step: 5, batchSize: 32, CPU, alternate: true, lookupShare: 0.5);
        using var again = corpus.CopyBatch(seed: 2, step: 5, batchSize: 32, CPU, alternate: true, lookupShare: 0.5);
        using var plain = corpus.CopyBatch(seed: 2, step: 5, batchSize: 32, CPU, alternate: true);
        var ids = mixed.InputIds.data<long>().ToArray();
        var trained = mixed.LossMask.data<bool>().ToArray();
        int width = (int)mixed.InputIds.shape[1];

        Assert.True(mixed.InputIds.eq(again.InputIds).all().item<bool>());
        Assert.False(mixed.InputIds.eq(plain.InputIds).all().item<bool>());
        Assert.True(mixed.MasksEveryTrainedToken); // lookup values are all trained, so hiding every trained token still holds
        Assert.Equal(trained.Count(t => t), mixed.TrainedTokens);
        var valid = mixed.Valid.data<bool>().ToArray();
        // A copy row ends with a repeat of its first 8+ tokens (A gap A); a lookup row does not.
        int lookupRows = Enumerable.Range(0, 32).Count(row =>
        {
            int start = row * width, length = Enumerable.Range(start, width).Count(i => valid[i]);
            return !Enumerable.Range(8, TokenizedCorpus.CopySpanMax - 7).Any(s => 2 * s <= length
                && ids[start..(start + s)].SequenceEqual(ids[(start + length - s)..(start + length)]));
        });
        Assert.InRange(lookupRows, 8, 24);
    }

    [Fact]
    public void Lookup_rows_without_room_or_outside_zero_to_one_are_rejected_with_the_reason()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RichTextCorpus().CopyBatch(1, 1, 2, CPU, lookupShare: 1.5));
        var narrow = new TokenizedCorpus(setup.Tokenizer, setup.SpecialIds, [], [RichText], context: 40, textFraction: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => narrow.CopyBatch(1, 1, 2, CPU, lookupShare: 0.5));
        Assert.Contains($"need {KeyLookupRows.MaxLength} positions", error.Message, StringComparison.Ordinal);
        Assert.Contains("copy width is 40", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, 640, "give --copy-warmup-steps or --copy-share too")]
    [InlineData(100, 0, 60, $"--context of at least 68")]
    public void Lookup_share_that_would_be_ignored_or_cannot_fit_is_rejected(int warmup, double copyShare, int context, string message)
    {
        var options = setup.Options("out", 10) with { CopyWarmupSteps = warmup, CopyShare = copyShare, Context = context, LookupShare = 0.3 };

        var error = Assert.Throws<ArgumentException>(options.ValidateObjectiveOptions);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        (options with { CopyWarmupSteps = 100, Context = 640 }).ValidateObjectiveOptions();
        (options with { CopyWarmupSteps = 0, CopyShare = 0.15, InitFrom = "models/dc-masked", Context = 640 }).ValidateObjectiveOptions(); // fine-tuning a model that copies
    }

    private static string RichText => string.Join(' ', Enumerable.Range(0, 26).SelectMany(i => new[] { $"{(char)('a' + i)}", $"{(char)('A' + i)}", $"{i}" }));

    private TokenizedCorpus RichTextCorpus() =>
        new(setup.Tokenizer, setup.SpecialIds, [], [string.Concat(Enumerable.Repeat(RichText + " ", 20))], TinyTrainingSetup.Context, textFraction: 1);
}
