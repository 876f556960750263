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

    /// <summary>Name of the Hugging Face fast-tokenizer file, the one that carries the pre-tokenizer pattern.</summary>
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>Every file <see cref="Save"/> writes.</summary>
    public static readonly IReadOnlyList<string> Files = [TokenizerJsonFile, VocabularyFile, MergesFile, ConfigFile, SpecialTokensMapFile];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Writes <c>tokenizer.json</c>, <c>vocab.json</c>, <c>merges.txt</c>, <c>tokenizer_config.json</c> and
    /// <c>special_tokens_map.json</c>.
    /// </summary>
    /// <remarks>
    /// <c>tokenizer.json</c> is what loaders read first (ours and Hugging Face's fast tokenizers); it is the only file
    /// that can say how text is split before BPE (<see cref="PreTokenization.Pattern"/>, not GPT-2's), so a folder
    /// tokenizes the same at run time as in training. <c>vocab.json</c> + <c>merges.txt</c> stay for tools that read
    /// GPT-2-style files.
    /// </remarks>
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
        File.WriteAllText(Path.Combine(folder, TokenizerJsonFile), FastTokenizerJson(vocab).ToJsonString(Json));
    }

    /// <summary>The Hugging Face <c>tokenizer.json</c>: BPE model, added special tokens, split pattern + byte-level.</summary>
    private JsonObject FastTokenizerJson(JsonObject vocab)
    {
        var added = new JsonArray();
        foreach (var token in SpecialTokens)
        {
            added.Add(new JsonObject
            {
                ["id"] = Vocabulary[token], ["content"] = token, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
                ["normalized"] = false, ["special"] = true,
            });
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = PreTokenization.Pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null, ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab.DeepClone(),
                ["merges"] = new JsonArray(Merges.Select(m => (JsonNode?)JsonValue.Create($"{m.Left} {m.Right}")).ToArray()),
            },
        };
    }
}
