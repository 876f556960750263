using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// The RoBERTa configuration an SSD-LM checkpoint ships in <c>config.json</c> (field names of transformers'
/// <c>RobertaConfig</c>), reduced to what the simplex denoiser needs.
/// </summary>
/// <param name="VocabSize">Vocabulary size V (<c>vocab_size</c>); the simplex has V dimensions.</param>
/// <param name="HiddenSize">Model width (<c>hidden_size</c>).</param>
/// <param name="LayerCount">Encoder layers (<c>num_hidden_layers</c>).</param>
/// <param name="HeadCount">Attention heads (<c>num_attention_heads</c>); divides <paramref name="HiddenSize"/>.</param>
/// <param name="IntermediateSize">Feed-forward width (<c>intermediate_size</c>).</param>
/// <param name="MaxPositions">Learned position table size (<c>max_position_embeddings</c>).</param>
/// <param name="TypeVocabSize">Token-type table size (<c>type_vocab_size</c>); only type 0 is used.</param>
/// <param name="PadTokenId">Padding id (<c>pad_token_id</c>); also RoBERTa's position offset.</param>
/// <param name="EndOfSequenceTokenId">End-of-sequence id (<c>eos_token_id</c>), when the config names one.</param>
/// <param name="LayerNormEpsilon">LayerNorm epsilon (<c>layer_norm_eps</c>).</param>
public sealed record SsdLmConfig(
    int VocabSize,
    int HiddenSize,
    int LayerCount,
    int HeadCount,
    int IntermediateSize,
    int MaxPositions,
    int TypeVocabSize,
    int PadTokenId,
    int? EndOfSequenceTokenId,
    double LayerNormEpsilon)
{
    /// <summary>
    /// The longest sequence (context + noisy block) the position table covers: RoBERTa numbers positions from
    /// <c>pad_token_id + 1</c>, so <c>pad_token_id + 1</c> rows of the table are never used by real tokens.
    /// </summary>
    public int MaxSequenceLength => MaxPositions - PadTokenId - 1;

    /// <summary>Width of one attention head.</summary>
    public int HeadSize => HiddenSize / HeadCount;

    /// <summary>Reads the configuration from a parsed <c>config.json</c>.</summary>
    /// <param name="config">The JSON object.</param>
    /// <param name="source">Where the JSON came from, for error messages.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="CheckpointFormatException">
    /// A required field is missing or not a number, a size is not positive, the heads do not divide the width, or the
    /// activation / position-embedding type is one this denoiser does not implement.
    /// </exception>
    public static SsdLmConfig FromJson(JsonElement config, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(source, null, $"config must be a JSON object, found {config.ValueKind}.");
        }

        var result = new SsdLmConfig(
            VocabSize: Positive(config, "vocab_size", source),
            HiddenSize: Positive(config, "hidden_size", source),
            LayerCount: Positive(config, "num_hidden_layers", source),
            HeadCount: Positive(config, "num_attention_heads", source),
            IntermediateSize: Positive(config, "intermediate_size", source),
            MaxPositions: Positive(config, "max_position_embeddings", source),
            TypeVocabSize: OptionalInt(config, "type_vocab_size", source) ?? 1,
            PadTokenId: OptionalInt(config, "pad_token_id", source) ?? 1,
            EndOfSequenceTokenId: OptionalInt(config, "eos_token_id", source),
            LayerNormEpsilon: config.TryGetProperty("layer_norm_eps", out var eps) && eps.ValueKind == JsonValueKind.Number ? eps.GetDouble() : 1e-12);

        if (result.HiddenSize % result.HeadCount != 0)
        {
            throw new CheckpointFormatException(source, null,
                $"hidden_size {result.HiddenSize} is not divisible by num_attention_heads {result.HeadCount}.");
        }

        if (result.TypeVocabSize < 1 || result.PadTokenId < 0 || result.MaxSequenceLength < 1)
        {
            throw new CheckpointFormatException(source, null,
                $"type_vocab_size {result.TypeVocabSize}, pad_token_id {result.PadTokenId} and max_position_embeddings " +
                $"{result.MaxPositions} leave no usable position (need type_vocab_size >= 1, pad_token_id >= 0, " +
                "max_position_embeddings > pad_token_id + 1).");
        }

        RequireString(config, "hidden_act", "gelu", source);
        RequireString(config, "position_embedding_type", "absolute", source);
        return result;
    }

    /// <summary>
    /// The <c>config.json</c> of this configuration in transformers' <c>RobertaConfig</c> names (the inverse of
    /// <see cref="FromJson"/>), with SSD-LM's architecture name so the library's loader picks the simplex denoiser.
    /// </summary>
    /// <returns>A new JSON object the caller may extend (e.g. with <c>generation_defaults</c>).</returns>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("RobertaForDiffusionLM"),
        ["model_type"] = "roberta",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = LayerCount,
        ["num_attention_heads"] = HeadCount,
        ["intermediate_size"] = IntermediateSize,
        ["max_position_embeddings"] = MaxPositions,
        ["type_vocab_size"] = TypeVocabSize,
        ["pad_token_id"] = PadTokenId,
        ["eos_token_id"] = EndOfSequenceTokenId,
        ["layer_norm_eps"] = LayerNormEpsilon,
        ["hidden_act"] = "gelu",
        ["position_embedding_type"] = "absolute",
        ["hidden_dropout_prob"] = 0.0,
        ["attention_probs_dropout_prob"] = 0.0,
    };

    private static int Positive(JsonElement config, string name, string source)
    {
        var value = OptionalInt(config, name, source)
            ?? throw new CheckpointFormatException(source, null, $"required field '{name}' is missing.");
        return value > 0
            ? value
            : throw new CheckpointFormatException(source, null, $"field '{name}' must be positive, found {value}.");
    }

    private static int? OptionalInt(JsonElement config, string name, string source)
    {
        if (!config.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)
            ? n
            : throw new CheckpointFormatException(source, null, $"field '{name}' must be an integer, found {value.GetRawText()}.");
    }

    private static void RequireString(JsonElement config, string name, string supported, string source)
    {
        if (config.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String &&
            !string.Equals(value.GetString(), supported, StringComparison.Ordinal))
        {
            throw new CheckpointFormatException(source, null,
                $"field '{name}' is '{value.GetString()}'; the SSD-LM denoiser implements only '{supported}'.");
        }
    }
}
