using DiffusionChat.Checkpoints;

namespace DiffusionChat.Models.Qwen;

/// <summary>
/// The Qwen2/Qwen3 decoder hyper-parameters in the field names of a Hugging Face <c>config.json</c>
/// (<c>vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
/// head_dim, rope_theta, rms_norm_eps, tie_word_embeddings</c>), shared by Dream (Qwen2.5) and SDAR (Qwen3).
/// </summary>
/// <param name="VocabSize">Rows of the embedding and output tables (<c>vocab_size</c>).</param>
/// <param name="HiddenSize">Residual width (<c>hidden_size</c>).</param>
/// <param name="IntermediateSize">SwiGLU width (<c>intermediate_size</c>).</param>
/// <param name="Layers">Decoder layers (<c>num_hidden_layers</c>).</param>
/// <param name="Heads">Query heads (<c>num_attention_heads</c>).</param>
/// <param name="KeyValueHeads">Key/value heads (<c>num_key_value_heads</c>; fewer = grouped-query attention).</param>
/// <param name="HeadDim">Width of one head (<c>head_dim</c>; Qwen3 states it, Qwen2 derives hidden_size / heads).</param>
/// <param name="RopeTheta">Rotary base (<c>rope_theta</c>).</param>
/// <param name="RmsNormEps">RMSNorm epsilon (<c>rms_norm_eps</c>).</param>
public sealed record QwenConfig(int VocabSize, int HiddenSize, int IntermediateSize, int Layers, int Heads, int KeyValueHeads, int HeadDim, double RopeTheta, double RmsNormEps)
{
    /// <summary>Biases on the query, key and value projections (Qwen2 always; Qwen3 when <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Qwen3's per-head RMSNorm of queries and keys (<c>q_norm</c>, <c>k_norm</c>) before the rotary embedding.</summary>
    public bool QueryKeyNorm { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output projection is the input embedding (no <c>lm_head.weight</c>).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>The mask id (<c>mask_token_id</c>; not the last id in the released models).</summary>
    public long MaskTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (the first one when the config lists several), if any.</summary>
    public long? EosTokenId { get; init; }

    /// <summary><c>pad_token_id</c>, if any.</summary>
    public long? PadTokenId { get; init; }

    /// <summary>Reads and validates the decoder fields of a checkpoint's config.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <param name="attentionBias">Whether q/k/v carry biases when the config does not say (<c>attention_bias</c>).</param>
    /// <param name="queryKeyNorm">Whether the family normalises queries and keys per head (Qwen3).</param>
    /// <returns>The config.</returns>
    /// <exception cref="CheckpointFormatException">A field is missing or the sizes do not fit together.</exception>
    public static QwenConfig From(CheckpointFolder checkpoint, bool attentionBias, bool queryKeyNorm)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var r = new ModelConfigReader(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        int hidden = r.RequirePositiveInt("hidden_size");
        int heads = r.RequirePositiveInt("num_attention_heads");
        int vocab = r.RequirePositiveInt("vocab_size");
        var config = new QwenConfig(
            vocab,
            hidden,
            r.RequirePositiveInt("intermediate_size"),
            r.RequirePositiveInt("num_hidden_layers"),
            heads,
            r.OptionalInt("num_key_value_heads") ?? heads,
            r.OptionalInt("head_dim") ?? hidden / heads,
            r.OptionalDouble("rope_theta") ?? 10000.0,
            r.OptionalDouble("rms_norm_eps") ?? 1e-6)
        {
            AttentionBias = r.OptionalBool("attention_bias") ?? attentionBias,
            QueryKeyNorm = queryKeyNorm,
            TieWordEmbeddings = r.OptionalBool("tie_word_embeddings") ?? false,
            MaskTokenId = r.OptionalLong("mask_token_id") ?? throw r.Invalid("config field 'mask_token_id' is required for a diffusion model."),
            EosTokenId = FirstId(checkpoint, r, "eos_token_id"),
            PadTokenId = FirstId(checkpoint, r, "pad_token_id"),
        };

        if (config.HeadDim < 2 || config.HeadDim % 2 != 0 || (r.OptionalInt("head_dim") is null && hidden % heads != 0))
        {
            throw r.Invalid($"head_dim {config.HeadDim} (hidden_size {hidden} / num_attention_heads {heads} unless stated) must be an even positive width.");
        }

        if (config.KeyValueHeads < 1 || heads % config.KeyValueHeads != 0)
        {
            throw r.Invalid($"num_key_value_heads {config.KeyValueHeads} must be a positive divisor of num_attention_heads {heads}.");
        }

        if (config.MaskTokenId < 0 || config.MaskTokenId >= vocab)
        {
            throw r.Invalid($"mask_token_id {config.MaskTokenId} is outside the vocabulary of {vocab} ids.");
        }

        if (checkpoint.Config.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != System.Text.Json.JsonValueKind.Null)
        {
            throw r.Invalid("rope_scaling is not supported; only the default rotary embedding (rope_scaling null).");
        }

        return config;
    }

    /// <summary>An id field that may also be a list (Qwen configs list several end ids); the first one.</summary>
    private static long? FirstId(CheckpointFolder checkpoint, ModelConfigReader r, string name) =>
        checkpoint.Config.TryGetProperty(name, out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Array
            ? e.EnumerateArray().Select(v => v.TryGetInt64(out var id) ? id : (long?)null).FirstOrDefault(v => v is not null)
            : r.OptionalLong(name);
}
