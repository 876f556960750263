using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Tokenization;

namespace DiffusionChat.Tests.Training;

public sealed class ByteLevelBpeTrainerTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("bpe");
    private readonly BpeVocabulary vocabulary;

    public ByteLevelBpeTrainerTests()
    {
        var texts = new InstructionSetGenerator(DataSplit.Train, seed: 3).Generate(400).Select(e => e.Render().Text)
            .Append("The jury said the election was conducted well.");
        vocabulary = ByteLevelBpeTrainer.Train(texts, vocabularySize: 700);
        vocabulary.Save(folder.FullName, modelMaxLength: 256);
    }

    public void Dispose() => folder.Delete(recursive: true);

    [Fact]
    public void Vocabulary_has_the_requested_size_with_special_tokens_last()
    {
        Assert.Equal(700, vocabulary.Vocabulary.Count);
        Assert.Equal(ChatMarkers.SpecialTokens, vocabulary.Vocabulary.OrderBy(p => p.Value).TakeLast(ChatMarkers.SpecialTokens.Count).Select(p => p.Key));
        Assert.Equal(700 - 256 - ChatMarkers.SpecialTokens.Count, vocabulary.Merges.Count);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var texts = new InstructionSetGenerator(DataSplit.Train, seed: 3).Generate(400).Select(e => e.Render().Text)
            .Append("The jury said the election was conducted well.");

        var again = ByteLevelBpeTrainer.Train(texts, vocabularySize: 700);

        Assert.Equal(vocabulary.Merges, again.Merges);
    }

    [Theory]
    [InlineData("What is the weather in Reykjavik?")]
    [InlineData("Zürich — 21°C, naïve café ☕ 東京")]
    [InlineData("  two  spaces\tand\ttabs\nnew lines\n\n")]
    [InlineData("<|im_start|>user\n12 * 34?<|im_end|>\n<|im_start|>assistant\n<tool_call>{\"name\":\"f\"}</tool_call><|im_end|><|mask|><|mask|><|pad|><|endoftext|>")]
    public void Loaded_tokenizer_round_trips_text(string text)
    {
        var (tokenizer, _) = TrainedTokenizer.Load(folder.FullName);

        var ids = tokenizer.EncodeToIds(text);

        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Special_tokens_are_single_ids_matching_the_vocabulary()
    {
        var (tokenizer, special) = TrainedTokenizer.Load(folder.FullName);

        foreach (var token in ChatMarkers.SpecialTokens)
        {
            Assert.Equal([vocabulary.Vocabulary[token]], tokenizer.EncodeToIds(token));
            Assert.Equal(vocabulary.Vocabulary[token], special[token]);
        }

        var ids = tokenizer.EncodeToIds("<|im_start|>assistant\nHi<|im_end|>");
        Assert.Equal(special[ChatMarkers.TurnStart], ids[0]);
        Assert.Equal(special[ChatMarkers.TurnEnd], ids[^1]);
    }

    [Fact]
    public void Frequent_words_become_single_tokens()
    {
        var (tokenizer, _) = TrainedTokenizer.Load(folder.FullName);

        Assert.Single(tokenizer.EncodeToIds("weather"));
    }

    [Theory]
    [InlineData("What is the weather in Reykjavik?", "{\"city\":\"Reykjavik\"}", "Reykjavik")]
    [InlineData("It is 21 degrees and cloudy in Busan.", "{\"temperature_c\":21,\"conditions\":\"cloudy\"}", "21")]
    [InlineData("It is 14:05 in Busan.", "{\"time\":\"14:05\"}", "14:05")]
    [InlineData("It is cloudy today.", "{\"conditions\":\"cloudy\"}", "cloudy")]
    public void A_value_has_the_same_pieces_in_a_sentence_and_in_json(string sentence, string json, string value)
    {
        // Copying a place into a tool call, or a tool value into the answer, must be the identity on tokens.
        var (tokenizer, _) = TrainedTokenizer.Load(folder.FullName);
        var piece = tokenizer.EncodeToIds(value);

        Assert.True(Contains(tokenizer.EncodeToIds(sentence), piece), $"'{value}' is not tokenized alike in '{sentence}'.");
        Assert.True(Contains(tokenizer.EncodeToIds(json), piece), $"'{value}' is not tokenized alike in '{json}'.");
    }

    [Fact]
    public void The_library_loader_tokenizes_the_saved_folder_exactly_as_training_did()
    {
        var (trained, _) = TrainedTokenizer.Load(folder.FullName);
        var loaded = DiffusionChat.Tokenization.TokenizerLoader.Load(folder.FullName);
        var texts = new InstructionSetGenerator(DataSplit.HeldOut, seed: 5).Generate(50).Select(e => e.Render().Text)
            .Append("  two  spaces\tand 1234 -5 naïve café");

        Assert.True(File.Exists(Path.Combine(folder.FullName, BpeVocabulary.TokenizerJsonFile)));
        foreach (var text in texts)
        {
            Assert.Equal(trained.EncodeToIds(text).ToArray(), loaded.Encode(text));
        }
    }

    private static bool Contains(IReadOnlyList<int> ids, IReadOnlyList<int> piece) =>
        Enumerable.Range(0, ids.Count - piece.Count + 1).Any(i => ids.Skip(i).Take(piece.Count).SequenceEqual(piece));

    [Fact]
    public void Digits_are_never_merged_so_numbers_are_spelled_digit_by_digit()
    {
        var (tokenizer, _) = TrainedTokenizer.Load(folder.FullName);

        Assert.Equal(4, tokenizer.EncodeToIds("1234").Count);
    }
}
