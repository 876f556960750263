using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>The hyper-parameters of a LLaMA-style decoder, read from and written to Hugging Face <c>config.json</c> names.</summary>
/// <param name="VocabSize"><c>vocab_size</c>.</param>
/// <param name="HiddenSize"><c>hidden_size</c>.</param>
/// <param name="IntermediateSize"><c>intermediate_size</c> (SwiGLU width).</param>
/// <param name="NumHiddenLayers"><c>num_hidden_layers</c>.</param>
/// <param name="NumAttentionHeads"><c>num_attention_heads</c>.</param>
/// <param name="NumKeyValueHeads"><c>num_key_value_heads</c> (fewer than the query heads = grouped-query attention).</param>
/// <param name="MaxPositionEmbeddings"><c>max_position_embeddings</c> (context length).</param>
public sealed record LlamaConfig(
    int VocabSize, int HiddenSize, int IntermediateSize, int NumHiddenLayers, int NumAttentionHeads, int NumKeyValueHeads, int MaxPositionEmbeddings)
{
    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-5;

    /// <summary><c>rope_theta</c>: base of the rotary frequencies.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary><c>tie_word_embeddings</c>: the output projection reuses the input embedding (no <c>lm_head.weight</c>).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>eos_token_id</c>, if any.</summary>
    public int? EosTokenId { get; init; }

    /// <summary><c>pad_token_id</c>, if any.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>bos_token_id</c>, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>Checks that the sizes fit together.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or heads do not divide the width.</exception>
    public LlamaConfig Validate()
    {
        foreach (var (name, value) in new[] { ("vocab_size", VocabSize), ("hidden_size", HiddenSize), ("intermediate_size", IntermediateSize), ("num_hidden_layers", NumHiddenLayers), ("num_attention_heads", NumAttentionHeads), ("num_key_value_heads", NumKeyValueHeads), ("max_position_embeddings", MaxPositionEmbeddings) })
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
            }
        }

        if (HiddenSize % NumAttentionHeads != 0 || HeadDim % 2 != 0)
        {
            throw new ArgumentOutOfRangeException("num_attention_heads", NumAttentionHeads, $"hidden_size {HiddenSize} must split into num_attention_heads heads of even width.");
        }

        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new ArgumentOutOfRangeException("num_key_value_heads", NumKeyValueHeads, $"num_attention_heads {NumAttentionHeads} must be a multiple of num_key_value_heads.");
        }

        return this;
    }

    /// <summary>Reads a <c>config.json</c> object.</summary>
    /// <exception cref="FormatException">A required field is missing or not a number.</exception>
    public static LlamaConfig FromJson(JsonElement config)
    {
        var heads = Int(config, "num_attention_heads");
        return new LlamaConfig(
            Int(config, "vocab_size"), Int(config, "hidden_size"), Int(config, "intermediate_size"), Int(config, "num_hidden_layers"),
            heads, OptionalInt(config, "num_key_value_heads") ?? heads, Int(config, "max_position_embeddings"))
        {
            RmsNormEps = config.TryGetProperty("rms_norm_eps", out var eps) ? eps.GetDouble() : 1e-5,
            RopeTheta = config.TryGetProperty("rope_theta", out var theta) ? theta.GetDouble() : 10000.0,
            TieWordEmbeddings = !config.TryGetProperty("tie_word_embeddings", out var tie) || tie.ValueKind != JsonValueKind.False,
            EosTokenId = OptionalInt(config, "eos_token_id"),
            PadTokenId = OptionalInt(config, "pad_token_id"),
            BosTokenId = OptionalInt(config, "bos_token_id"),
        }.Validate();
    }

    /// <summary>The <c>config.json</c> object (<c>model_type</c> <c>llama</c>, <c>LlamaForCausalLM</c>).</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("LlamaForCausalLM"),
        ["model_type"] = "llama",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["num_key_value_heads"] = NumKeyValueHeads,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["rms_norm_eps"] = RmsNormEps,
        ["rope_theta"] = RopeTheta,
        ["hidden_act"] = "silu",
        ["attention_bias"] = false,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["eos_token_id"] = EosTokenId,
        ["pad_token_id"] = PadTokenId,
        ["bos_token_id"] = BosTokenId,
        ["torch_dtype"] = "float32",
    };

    private static int Int(JsonElement config, string name) =>
        OptionalInt(config, name) ?? throw new FormatException($"config.json has no integer '{name}'.");

    private static int? OptionalInt(JsonElement config, string name)
    {
        if (!config.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0)
        {
            value = value[0];
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw new FormatException($"config.json field '{name}' must be an integer, found {value.GetRawText().ToString(CultureInfo.InvariantCulture)}.");
    }
}
