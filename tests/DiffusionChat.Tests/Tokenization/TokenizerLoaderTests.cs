using DiffusionChat.Checkpoints;
using DiffusionChat.Tokenization;

namespace DiffusionChat.Tests.Tokenization;

public class TokenizerLoaderTests
{
    private const string Sample = "Hello world!\n  Tabs\tand ünïcödé ✓ 12345 don't";

    private static void Write(TempFolder folder, string file, string text) => File.WriteAllText(folder.File(file), text);

    [Fact]
    public void Gpt2_hint_in_config_gives_the_known_ids_for_Hello_world()
    {
        using var folder = new TempFolder();
        Write(folder, "config.json", """{"tokenizer_name_or_path": "gpt2"}""");

        var tokenizer = TokenizerLoader.Load(folder.Path);

        Assert.Equal(new[] { 15496, 995 }, tokenizer.Encode("Hello world"));
        Assert.Equal(Sample, tokenizer.Decode(tokenizer.Encode(Sample)));
        Assert.Equal(50257, tokenizer.VocabularySize);
    }

    [Fact]
    public void Gpt2_with_one_extra_config_id_appends_the_mask_as_the_last_id_like_MDLM()
    {
        using var folder = new TempFolder();
        Write(folder, "config.json", """{"vocab_size": 50258, "eos_token_id": 50256}""");

        var tokenizer = TokenizerLoader.Load(folder.Path, TokenizerLoader.Gpt2Encoding);

        Assert.Equal(new SpecialToken("<|mask|>", 50257), tokenizer.SpecialTokens.Mask);
        Assert.Equal(new SpecialToken("<|endoftext|>", 50256), tokenizer.SpecialTokens.Eos);
        Assert.Equal(50258, tokenizer.VocabularySize);
        Assert.Equal(new[] { 15496, 50257, 995 }, tokenizer.Encode("Hello<|mask|> world"));
        Assert.Equal("Hello world", tokenizer.Decode([15496, 50257, 995, 50256], skipSpecialTokens: true));
    }

    [Fact]
    public void Vocab_and_merges_round_trip_and_apply_the_merges()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteVocabAndMerges(folder.Path);
        var vocab = TinyTokenizerFiles.Vocabulary();

        var tokenizer = TokenizerLoader.Load(folder.Path);

        Assert.Equal(new[] { vocab["Hello"], vocab["Ġworld"] }, tokenizer.Encode("Hello world"));
        Assert.Equal(Sample, tokenizer.Decode(tokenizer.Encode(Sample)));
        Assert.Equal(vocab.Count, tokenizer.VocabularySize);
    }

    [Fact]
    public void RoBERTa_style_special_tokens_from_special_tokens_map_encode_as_single_ids()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteVocabAndMerges(folder.Path, "<s>", "</s>", "<pad>", "<mask>");
        Write(folder, "special_tokens_map.json", """{"bos_token": "<s>", "eos_token": "</s>", "pad_token": {"content": "<pad>"}, "mask_token": {"content": "<mask>", "lstrip": true}}""");
        var vocab = TinyTokenizerFiles.Vocabulary("<s>", "</s>", "<pad>", "<mask>");

        var tokenizer = TokenizerLoader.Load(folder.Path);
        var ids = tokenizer.Encode("<s>Hello<mask></s>");

        Assert.Equal(new SpecialToken("<mask>", vocab["<mask>"]), tokenizer.SpecialTokens.Mask);
        Assert.Equal(new SpecialToken("<s>", vocab["<s>"]), tokenizer.SpecialTokens.Bos);
        Assert.Equal(new SpecialToken("<pad>", vocab["<pad>"]), tokenizer.SpecialTokens.Pad);
        Assert.Equal(new[] { vocab["<s>"], vocab["Hello"], vocab["<mask>"], vocab["</s>"] }, ids);
        Assert.Equal("<s>Hello<mask></s>", tokenizer.Decode(ids));
        Assert.Equal("Hello", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tokenizer_json_round_trips_and_keeps_chat_markers_whole(bool arrayMerges)
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteTokenizerJson(folder.Path, ["<|im_start|>", "<|im_end|>", "<|mdm_mask|>"], arrayMerges);
        int first = TinyTokenizerFiles.Vocabulary().Count;
        Write(folder, "config.json", $$"""{"mask_token_id": {{first + 2}}, "eos_token_id": {{first + 1}}}""");
        var vocab = TinyTokenizerFiles.Vocabulary();

        var tokenizer = TokenizerLoader.Load(folder.Path);
        var ids = tokenizer.Encode("<|im_start|>user\nHello world<|im_end|>");

        Assert.Equal(first, ids[0]);
        Assert.Equal(first + 1, ids[^1]);
        Assert.Equal(new[] { vocab["Hello"], vocab["Ġworld"] }, ids[^3..^1]);
        Assert.Equal(new SpecialToken("<|mdm_mask|>", first + 2), tokenizer.SpecialTokens.Mask);
        Assert.Equal(new SpecialToken("<|im_end|>", first + 1), tokenizer.SpecialTokens.Eos);
        Assert.True(tokenizer.SpecialTokens.TryGetId("<|im_start|>", out int start) && start == first);
        Assert.Equal(Sample, tokenizer.Decode(tokenizer.Encode(Sample)));
        Assert.Equal(first + 3, tokenizer.VocabularySize);
    }

    [Fact]
    public void Config_ids_win_over_role_texts_and_every_eos_id_is_a_stop_id()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteTokenizerJson(folder.Path, ["<|endoftext|>", "<|eot_id|>", "<|mdm_mask|>"]);
        int first = TinyTokenizerFiles.Vocabulary().Count;
        Write(folder, "tokenizer_config.json", """{"eos_token": "<|eot_id|>", "mask_token": "<|mdm_mask|>"}""");
        Write(folder, "config.json", $$"""{"eos_token_id": {{first}}}""");
        Write(folder, "generation_config.json", $$"""{"eos_token_id": [{{first}}, {{first + 1}}]}""");

        var tokens = TokenizerLoader.Load(folder.Path).SpecialTokens;

        Assert.Equal(new SpecialToken("<|endoftext|>", first), tokens.Eos);
        Assert.Equal(new[] { first, first + 1 }, tokens.StopTokenIds);
        Assert.Equal(first + 2, tokens.Mask?.Id);
    }

    [Fact]
    public void Role_text_missing_from_the_vocabulary_is_a_format_error_naming_the_file_and_token()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteVocabAndMerges(folder.Path);
        Write(folder, "tokenizer_config.json", """{"mask_token": "<mask>"}""");

        var ex = Assert.Throws<CheckpointFormatException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Contains("tokenizer_config.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'<mask>'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folder_without_a_tokenizer_lists_every_file_looked_for()
    {
        using var folder = new TempFolder();
        Write(folder, "config.json", "{}");

        var ex = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(folder.Path));

        foreach (var file in new[] { "tokenizer.json", "vocab.json", "merges.txt", "config.json", "tokenizer_config.json", "tokenizer_name_or_path" })
        {
            Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Vocab_without_merges_names_the_missing_file()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteVocabAndMerges(folder.Path);
        File.Delete(folder.File("merges.txt"));

        var ex = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Equal(folder.File("merges.txt"), ex.FileName);
    }

    [Fact]
    public void Unknown_encoding_hint_is_reported_in_the_missing_tokenizer_error()
    {
        using var folder = new TempFolder();
        Write(folder, "tokenizer_config.json", """{"tokenizer_name_or_path": "bert-base-uncased"}""");

        var ex = Assert.Throws<FileNotFoundException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Contains("'bert-base-uncased'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    public void Non_BPE_tokenizer_json_is_not_supported_and_says_so(string modelType)
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteTokenizerJson(folder.Path, [], modelType: modelType);

        var ex = Assert.Throws<NotSupportedException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Contains(folder.File("tokenizer.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{modelType}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_tokenizer_json_is_a_format_error_naming_the_file()
    {
        using var folder = new TempFolder();
        Write(folder, "tokenizer.json", """{"model": {"type": "BPE", "vocab": {"a": "zero"}}}""");

        var ex = Assert.Throws<CheckpointFormatException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Equal(folder.File("tokenizer.json"), ex.FilePath);
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(50257)]
    public void Decoding_an_id_outside_the_vocabulary_names_the_id_and_the_range(int id)
    {
        using var folder = new TempFolder();
        var tokenizer = TokenizerLoader.Load(folder.Path, "gpt2");

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([15496, id]));

        Assert.Contains($"{id}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0..50256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fallback_encoding_is_an_argument_error()
    {
        using var folder = new TempFolder();

        var ex = Assert.Throws<ArgumentException>(() => TokenizerLoader.Load(folder.Path, "cl100k"));

        Assert.Contains("'cl100k'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_folder_throws_DirectoryNotFoundException()
    {
        using var folder = new TempFolder();

        Assert.Throws<DirectoryNotFoundException>(() => TokenizerLoader.Load(folder.File("absent")));
    }

    [Fact]
    public void Merge_of_tokens_missing_from_the_vocabulary_is_a_format_error_naming_the_file()
    {
        using var folder = new TempFolder();
        TinyTokenizerFiles.WriteVocabAndMerges(folder.Path);
        File.AppendAllLines(folder.File("merges.txt"), ["Ω≈ ç√"]);

        var ex = Assert.Throws<CheckpointFormatException>(() => TokenizerLoader.Load(folder.Path));

        Assert.Equal(folder.File("vocab.json"), ex.FilePath);
        Assert.Contains("'Ω≈'", ex.Message, StringComparison.Ordinal);
    }
}
