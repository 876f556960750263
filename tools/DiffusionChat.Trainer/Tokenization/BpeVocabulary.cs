using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Tokenization;

/// <summary>A trained byte-level BPE vocabulary, written as Hugging Face GPT-2-style tokenizer files.</summary>
/// <param name="Vocabulary">Token (in the byte-level alphabet) to id; special tokens last.</param>
/// <param name="Merges">The merges in training order (earlier = higher priority).</param>
/// <param name="SpecialTokens">The added special tokens, in id order.</param>
internal sealed record BpeVocabulary(IReadOnlyDictionary<string, int> Vocabulary, IReadOnlyList<(string Left, string Right)> Merges, IReadOnlyList<string> SpecialTokens)
{
    /// <summary>Name of the token-to-id file.</summary>
    public const string VocabularyFile = "vocab.json";

    /// <summary>Name of the merges file.</summary>
    public const string MergesFile = "merges.txt";

    /// <summary>Name of the tokenizer configuration (special tokens, class).</summary>
    public const string ConfigFile = "tokenizer_config.json";

    /// <summary>Name of the special-token map.</summary>
    public const string SpecialTokensMapFile = "special_tokens_map.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c>.</summary>
    /// <param name="folder">The output folder (created if missing).</param>
    /// <param name="modelMaxLength">The context length recorded in the config.</param>
    public void Save(string folder, int modelMaxLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocabulary.OrderBy(p => p.Value))
        {
            vocab[token] = id;
        }

        File.WriteAllText(Path.Combine(folder, VocabularyFile), vocab.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        File.WriteAllLines(Path.Combine(folder, MergesFile), Merges.Select(m => $"{m.Left} {m.Right}").Prepend("#version: 0.2"));

        var added = new JsonObject();
        foreach (var token in SpecialTokens)
        {
            added[Vocabulary[token].ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = token, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["single_word"] = false, ["special"] = true,
            };
        }

        var config = new JsonObject
        {
            ["tokenizer_class"] = "GPT2Tokenizer",
            ["add_prefix_space"] = false,
            ["add_bos_token"] = false,
            ["model_max_length"] = modelMaxLength,
            ["bos_token"] = null,
            ["eos_token"] = ChatMarkers.EndOfText,
            ["pad_token"] = ChatMarkers.Pad,
            ["mask_token"] = ChatMarkers.Mask,
            ["unk_token"] = null,
            ["additional_special_tokens"] = new JsonArray(ChatMarkers.TurnStart, ChatMarkers.TurnEnd),
            ["added_tokens_decoder"] = added,
            ["pre_tokenizer_pattern"] = PreTokenization.Pattern,
        };
        File.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJsonString(Json));

        var map = new JsonObject
        {
            ["eos_token"] = ChatMarkers.EndOfText,
            ["pad_token"] = ChatMarkers.Pad,
            ["mask_token"] = ChatMarkers.Mask,
            ["additional_special_tokens"] = new JsonArray(ChatMarkers.TurnStart, ChatMarkers.TurnEnd),
        };
        File.WriteAllText(Path.Combine(folder, SpecialTokensMapFile), map.ToJsonString(Json));
    }
}
