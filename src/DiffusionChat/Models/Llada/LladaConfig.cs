using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Models.Llada;

/// <summary>
/// LLaDA's configuration in the field names of the released <c>config.json</c> (<c>d_model, n_heads, n_kv_heads,
/// n_layers, mlp_hidden_size, vocab_size, embedding_size, rope_theta, rms_norm_eps, mask_token_id, eos_token_id</c>).
/// </summary>
/// <param name="ModelDim">Model width (<c>d_model</c>).</param>
/// <param name="Heads">Query heads (<c>n_heads</c>).</param>
/// <param name="KeyValueHeads">Key/value heads for grouped-query attention (<c>n_kv_heads</c>, default n_heads).</param>
/// <param name="Layers">Number of blocks (<c>n_layers</c>).</param>
/// <param name="MlpHiddenSize">SwiGLU width (<c>mlp_hidden_size</c>, default <c>mlp_ratio * d_model</c>).</param>
/// <param name="EmbeddingSize">Rows of the embedding and output tables (<c>embedding_size</c>, default vocab_size).</param>
/// <param name="RopeTheta">Rotary base (<c>rope_theta</c>).</param>
/// <param name="RmsNormEps">RMSNorm epsilon (<c>rms_norm_eps</c>).</param>
/// <param name="MaskTokenId">The mask id (<c>mask_token_id</c>; 126336 in the release, not the last id).</param>
/// <param name="EosTokenId">The end-of-sequence id (<c>eos_token_id</c>), if any.</param>
public sealed record LladaConfig(int ModelDim, int Heads, int KeyValueHeads, int Layers, int MlpHiddenSize, int EmbeddingSize, double RopeTheta, double RmsNormEps, long MaskTokenId, long? EosTokenId)
{
    /// <summary>
    /// <c>weight_tying</c>: the output projection is the input embedding (<c>wte</c>) and the checkpoint has no
    /// <c>ff_out</c> table, as in OLMo, LLaDA's code base. Released LLaDA models are untied (false).
    /// </summary>
    public bool WeightTying { get; init; }

    /// <summary>
    /// <c>shift_logits</c> (our extension, default false): the token at position i is predicted from the hidden state
    /// at position i - 1, as in Dream 7B, whose masked model starts from an autoregressive one and so keeps the AR
    /// model's "next token" alignment (position 0 reuses its own state). LLaDA's released models predict in place.
    /// A shifted model's key/value cache also keeps the final states, so a cached window's first position is scored
    /// from the kept state of the position before the window.
    /// </summary>
    public bool ShiftLogits { get; init; }

    /// <summary>
    /// <c>block_size</c> (our extension, BD3-LM's name; null = LLaDA's bidirectional attention): block-causal attention
    /// over blocks of this many positions, counted from position 0 by the position ids. A position attends to every
    /// position of its own block and of the blocks before it, never to a later block, so a finished prefix is final
    /// (nothing after it changes its states) and the positions after the current block do not change its logits.
    /// Such a model is trained as BD3-LM trains (each noisy block sees the clean blocks before it).
    /// </summary>
    public int? BlockSize { get; init; }

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => ModelDim / Heads;

    /// <summary>Reads and validates the config of a checkpoint folder.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <returns>The config.</returns>
    /// <exception cref="CheckpointFormatException">A field is missing, invalid, or asks for an unsupported variant.</exception>
    public static LladaConfig From(CheckpointFolder checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var r = new ModelConfigReader(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        int d = r.RequirePositiveInt("d_model");
        int heads = r.RequirePositiveInt("n_heads");
        int vocab = r.RequirePositiveInt("vocab_size");
        var config = new LladaConfig(
            d,
            heads,
            r.OptionalInt("n_kv_heads") ?? heads,
            r.RequirePositiveInt("n_layers"),
            r.OptionalInt("mlp_hidden_size") ?? (r.OptionalInt("mlp_ratio") ?? 4) * d,
            r.OptionalInt("embedding_size") ?? vocab,
            r.OptionalDouble("rope_theta") ?? 10000.0,
            r.OptionalDouble("rms_norm_eps") ?? 1e-5,
            r.OptionalLong("mask_token_id") ?? throw r.Invalid("config field 'mask_token_id' is required for LLaDA."),
            r.OptionalLong("eos_token_id"))
        {
            WeightTying = r.OptionalBool("weight_tying") ?? false,
            ShiftLogits = r.OptionalBool("shift_logits") ?? false,
            BlockSize = r.OptionalInt("block_size"),
        };

        if (config.BlockSize is < 1)
        {
            throw r.Invalid($"block_size {config.BlockSize} must be a positive number of positions (or absent for bidirectional attention).");
        }

        if (d % heads != 0 || config.HeadDim % 2 != 0)
        {
            throw r.Invalid($"d_model {d} must split into n_heads {heads} heads of even width.");
        }

        if (config.KeyValueHeads < 1 || heads % config.KeyValueHeads != 0)
        {
            throw r.Invalid($"n_kv_heads {config.KeyValueHeads} must be a positive divisor of n_heads {heads}.");
        }

        if (config.MaskTokenId < 0 || config.MaskTokenId >= config.EmbeddingSize)
        {
            throw r.Invalid($"mask_token_id {config.MaskTokenId} is outside the embedding table of {config.EmbeddingSize} rows.");
        }

        Unsupported(r, "include_bias", true, "biases in the linear layers");
        Unsupported(r, "alibi", true, "ALiBi attention bias");
        if (r.OptionalString("block_type") is { } block && block != "llama")
        {
            throw r.Invalid($"block_type '{block}' is not supported; only 'llama' (LLaDA's released models).");
        }

        if (r.OptionalString("layer_norm_type") is { } norm && norm != "rms")
        {
            throw r.Invalid($"layer_norm_type '{norm}' is not supported; only 'rms'.");
        }

        return config;
    }

    /// <summary>
    /// The <c>config.json</c> fields <see cref="From"/> reads (plus <c>model_type</c> <c>llada</c>,
    /// <c>architectures</c> <c>["LLaDAModelLM"]</c>, the pad id and the context length), for writing trained models.
    /// </summary>
    /// <param name="padTokenId">The tokenizer's padding id (<c>pad_token_id</c>), if any.</param>
    /// <param name="maxSequenceLength">The longest sequence the model was trained on (<c>max_sequence_length</c>).</param>
    /// <returns>A fresh JSON object the caller may extend (e.g. with generation defaults).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSequenceLength"/> is not positive.</exception>
    public JsonObject ToJson(long? padTokenId, int maxSequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSequenceLength);
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LLaDAModelLM"),
            ["model_type"] = "llada",
            ["d_model"] = ModelDim,
            ["n_heads"] = Heads,
            ["n_kv_heads"] = KeyValueHeads,
            ["n_layers"] = Layers,
            ["mlp_hidden_size"] = MlpHiddenSize,
            ["vocab_size"] = EmbeddingSize,
            ["embedding_size"] = EmbeddingSize,
            ["rope_theta"] = RopeTheta,
            ["rms_norm_eps"] = RmsNormEps,
            ["block_type"] = "llama",
            ["layer_norm_type"] = "rms",
            ["include_bias"] = false,
            ["weight_tying"] = WeightTying,
            ["alibi"] = false,
            ["mask_token_id"] = MaskTokenId,
            ["eos_token_id"] = EosTokenId,
            ["pad_token_id"] = padTokenId,
            ["max_sequence_length"] = maxSequenceLength,
            ["shift_logits"] = ShiftLogits,
        };
        if (BlockSize is { } blockSize)
        {
            json["block_size"] = blockSize;
        }

        return json;
    }

    private static void Unsupported(ModelConfigReader r, string field, bool value, string what)
    {
        if (r.OptionalBool(field) == value)
        {
            throw r.Invalid($"config field '{field}' = {value.ToString().ToLowerInvariant()} ({what}) is not supported.");
        }
    }
}
