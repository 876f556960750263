using System.Text;
using DiffusionChat.Checkpoints;
using DiffusionChat.Tokenization;
using FsCheck;
using FsCheck.Xunit;

namespace DiffusionChat.Tests.Tokenization;

/// <summary>
/// Mutated tokenizer files either load (and then encode and decode) or fail with a documented exception:
/// <see cref="CheckpointFormatException"/> for malformed content, <see cref="NotSupportedException"/> for components
/// Microsoft.ML.Tokenizers cannot reproduce. Never anything else.
/// </summary>
public sealed class TokenizerFuzzProperties : IDisposable
{
    private const string TokenizerConfig = """{"eos_token": "<|im_end|>", "mask_token": {"content": "<|mdm_mask|>"}, "additional_special_tokens": ["<|im_start|>"], "added_tokens_decoder": {"300": {"content": "<|x|>"}}}""";
    private const string Config = """{"vocab_size": 301, "eos_token_id": [1, 2], "mask_token_id": 3}""";

    private readonly TempFolder source = new();
    private readonly TempFolder folder = new();
    private readonly string tokenizerJson;

    public TokenizerFuzzProperties()
    {
        TinyTokenizerFiles.WriteTokenizerJson(source.Path, ["<|im_start|>", "<|im_end|>", "<|mdm_mask|>"]);
        tokenizerJson = File.ReadAllText(source.File("tokenizer.json"));
    }

    public void Dispose()
    {
        source.Dispose();
        folder.Dispose();
    }

    [Property(MaxTest = 300)]
    public void Mutated_tokenizer_json_loads_or_throws_a_documented_exception(NonNegativeInt[] positions, char[] replacements)
    {
        // Edits land in the small parts around the vocabulary (added tokens, pre-tokenizer) and at its start.
        int vocabAt = tokenizerJson.IndexOf("\"vocab\"", StringComparison.Ordinal);
        var text = new StringBuilder(tokenizerJson);
        for (int i = 0; i < Math.Min(positions.Length, replacements.Length); i++)
        {
            int at = positions[i].Get % (vocabAt + 40);
            text[at] = replacements[i];
        }

        LoadOrThrowDocumented(text.ToString(), TokenizerConfig, Config);
    }

    [Property(MaxTest = 300)]
    public void Mutated_special_token_files_load_or_throw_a_documented_exception(NonNegativeInt[] positions, char[] replacements, bool inConfig)
    {
        var text = new StringBuilder(inConfig ? Config : TokenizerConfig);
        for (int i = 0; i < Math.Min(positions.Length, replacements.Length); i++)
        {
            text[positions[i].Get % text.Length] = replacements[i];
        }

        LoadOrThrowDocumented(tokenizerJson, inConfig ? TokenizerConfig : text.ToString(), inConfig ? text.ToString() : Config);
    }

    private void LoadOrThrowDocumented(string tokenizer, string tokenizerConfig, string config)
    {
        File.WriteAllText(folder.File("tokenizer.json"), tokenizer);
        File.WriteAllText(folder.File("tokenizer_config.json"), tokenizerConfig);
        File.WriteAllText(folder.File("config.json"), config);
        try
        {
            var loaded = TokenizerLoader.Load(folder.Path);
            var ids = loaded.Encode("Hello world <|im_start|> ünï");
            Assert.All(ids, id => Assert.InRange(id, 0, loaded.VocabularySize - 1));
            _ = loaded.Decode(ids);
        }
        catch (CheckpointFormatException ex)
        {
            Assert.Contains(folder.Path, ex.Message, StringComparison.Ordinal);
        }
        catch (NotSupportedException ex)
        {
            Assert.Contains(folder.Path, ex.Message, StringComparison.Ordinal);
        }
    }
}
