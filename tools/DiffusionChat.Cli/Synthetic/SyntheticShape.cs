using System.Text.Json.Nodes;
using DiffusionChat.Models.Qwen;

namespace DiffusionChat.Cli.Synthetic;

/// <summary>
/// The architecture of a released checkpoint, for writing a folder of its exact tensor names, shapes and size with
/// synthetic values: the decoder record our loader builds and the <c>config.json</c> that makes it build that record.
/// </summary>
/// <param name="Name">The command-line name.</param>
/// <param name="Config">The decoder the loader builds from <see cref="ConfigJson"/>.</param>
/// <param name="ConfigJson">The released model's <c>config.json</c> fields that the loader reads.</param>
internal sealed record SyntheticShape(string Name, QwenConfig Config, Func<JsonObject> ConfigJson)
{
    /// <summary>
    /// Dream-v0-Instruct-7B (Qwen2.5-7B decoder: 28 layers, width 3584, SwiGLU 18944, 28 query / 4 key-value heads,
    /// q/k/v biases, untied 152,064-row output table): 7.62 billion parameters.
    /// </summary>
    public static SyntheticShape Dream7B { get; } = new(
        "dream-7b",
        new QwenConfig(152064, 3584, 18944, 28, 28, 4, 128, 1_000_000.0, 1e-6)
        {
            AttentionBias = true,
            MaskTokenId = 151666,
            EosTokenId = 151643,
            PadTokenId = 151643,
        },
        () => new JsonObject
        {
            ["architectures"] = new JsonArray("DreamModel"),
            ["model_type"] = "Dream",
            ["hidden_size"] = 3584,
            ["intermediate_size"] = 18944,
            ["num_hidden_layers"] = 28,
            ["num_attention_heads"] = 28,
            ["num_key_value_heads"] = 4,
            ["vocab_size"] = 152064,
            ["rope_theta"] = 1_000_000.0,
            ["rms_norm_eps"] = 1e-6,
            ["tie_word_embeddings"] = false,
            ["mask_token_id"] = 151666,
            ["bos_token_id"] = 151643,
            ["eos_token_id"] = 151643,
            ["pad_token_id"] = 151643,
            ["max_position_embeddings"] = 131072,
            ["rope_scaling"] = null,
            ["torch_dtype"] = "bfloat16",
        });

    /// <summary>
    /// SDAR-8B-Chat (Qwen3-8B decoder: 36 layers, width 4096, SwiGLU 12288, 32 query / 8 key-value heads of width
    /// 128, q/k norms, untied 151,936-row output table, blocks of 4): 8.19 billion parameters.
    /// </summary>
    public static SyntheticShape Sdar8B { get; } = new(
        "sdar-8b",
        new QwenConfig(151936, 4096, 12288, 36, 32, 8, 128, 1_000_000.0, 1e-6)
        {
            QueryKeyNorm = true,
            MaskTokenId = 151669,
            EosTokenId = 151645,
        },
        () => new JsonObject
        {
            ["architectures"] = new JsonArray("SDARForCausalLM"),
            ["model_type"] = "sdar",
            ["hidden_size"] = 4096,
            ["intermediate_size"] = 12288,
            ["num_hidden_layers"] = 36,
            ["num_attention_heads"] = 32,
            ["num_key_value_heads"] = 8,
            ["head_dim"] = 128,
            ["vocab_size"] = 151936,
            ["rope_theta"] = 1_000_000,
            ["rms_norm_eps"] = 1e-6,
            ["attention_bias"] = false,
            ["tie_word_embeddings"] = false,
            ["block_size"] = 4,
            ["mask_token_id"] = 151669,
            ["bos_token_id"] = 151643,
            ["eos_token_id"] = 151645,
            ["max_position_embeddings"] = 32768,
            ["rope_scaling"] = null,
            ["torch_dtype"] = "bfloat16",
        });

    /// <summary>Every shape, by command-line name.</summary>
    public static IReadOnlyList<SyntheticShape> All { get; } = [Dream7B, Sdar8B];
}
