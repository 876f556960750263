using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// The <c>config.json</c> of a <see cref="SimplexLlamaDenoiser"/> (<c>model_type</c> <c>simplex-llama</c>): the
/// LLaMA decoder's Hugging Face fields (<see cref="LlamaConfig"/>, read and written under the same names) plus
/// <c>shift_logits</c> and <c>self_conditioning</c>.
/// </summary>
/// <param name="Decoder">The decoder stack's hyper-parameters; <c>tie_word_embeddings</c> must be true (the simplex input and the output both use the embedding table).</param>
/// <param name="ShiftLogits">
/// <c>shift_logits</c>: each block token is scored from the hidden state one position to its left (the first block
/// token from the last context token), Dream's convention, so a model started from an AR decoder keeps the AR model's
/// next-token alignment; false scores each position from its own hidden state.
/// </param>
/// <param name="SelfConditioning">
/// <c>self_conditioning</c>: the model also reads its prediction from the previous denoising step; the block then enters
/// as the mean of the two simplex points, <c>(softmax(x_t) + softmax(previous)) / 2</c>, and as <c>softmax(x_t)</c> alone
/// at a block's first step.
/// </param>
public sealed record SimplexLlamaConfig(LlamaConfig Decoder, bool ShiftLogits, bool SelfConditioning = false)
{
    /// <summary>The <c>model_type</c> written and recognised.</summary>
    public const string ModelType = "simplex-llama";

    /// <summary>The architecture name written into <c>architectures</c>.</summary>
    public const string Architecture = "SimplexLlamaForDiffusionLM";

    /// <summary>Vocabulary size V.</summary>
    public int VocabSize => Decoder.VocabSize;

    /// <summary>The longest context + block the model was trained for (<c>max_position_embeddings</c>).</summary>
    public int MaxSequenceLength => Decoder.MaxPositionEmbeddings;

    /// <summary>The id padded context positions hold: <c>pad_token_id</c>, else <c>eos_token_id</c>, else 0 (padded keys are masked, so any id works).</summary>
    public int PadTokenId => Decoder.PadTokenId ?? Decoder.EosTokenId ?? 0;

    /// <summary>Checks the decoder sizes and the fields this model adds.</summary>
    /// <returns>This configuration.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the field and the value.</exception>
    /// <exception cref="ArgumentException">The embeddings are not tied.</exception>
    public SimplexLlamaConfig Validate()
    {
        ArgumentNullException.ThrowIfNull(Decoder);
        Decoder.Validate();
        if (!Decoder.TieWordEmbeddings)
        {
            throw new ArgumentException("tie_word_embeddings is false; a simplex-llama model reads softmax(x_t) @ embed_tokens and scores with the same table, so it must be true.", nameof(Decoder));
        }

        if (!(Decoder.RmsNormEps > 0) || !double.IsFinite(Decoder.RmsNormEps))
        {
            throw new ArgumentOutOfRangeException("rms_norm_eps", Decoder.RmsNormEps, $"rms_norm_eps {Decoder.RmsNormEps.ToString(CultureInfo.InvariantCulture)} must be a positive number.");
        }

        if (!(Decoder.RopeTheta > 0) || !double.IsFinite(Decoder.RopeTheta))
        {
            throw new ArgumentOutOfRangeException("rope_theta", Decoder.RopeTheta, $"rope_theta {Decoder.RopeTheta.ToString(CultureInfo.InvariantCulture)} must be a positive number.");
        }

        foreach (var (name, id) in new[] { ("pad_token_id", Decoder.PadTokenId), ("eos_token_id", Decoder.EosTokenId) })
        {
            if (id is { } value && (value < 0 || value >= Decoder.VocabSize))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} {value} is outside the vocabulary (0..{Decoder.VocabSize - 1}).");
            }
        }

        return this;
    }

    /// <summary>Reads and validates a parsed <c>config.json</c>.</summary>
    /// <param name="config">The JSON object.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    /// <returns>The validated configuration.</returns>
    /// <exception cref="CheckpointFormatException">A field is missing, of the wrong kind or out of range (the message names it and its value).</exception>
    public static SimplexLlamaConfig FromJson(JsonElement config, string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (config.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(source, null, $"config must be a JSON object, found {config.ValueKind}.");
        }

        bool shift = OptionalBool(config, "shift_logits", source);
        bool selfConditioning = OptionalBool(config, "self_conditioning", source);

        if (config.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            throw new CheckpointFormatException(source, null, $"field 'tie_word_embeddings' must be true or false, found {tie.GetRawText()}.");
        }

        try
        {
            return new SimplexLlamaConfig(LlamaConfig.FromJson(config), shift, selfConditioning).Validate();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new CheckpointFormatException(source, null, Describe(ex), ex);
        }
    }

    /// <summary>The <c>config.json</c> object (the inverse of <see cref="FromJson"/>); the caller may add <c>generation_defaults</c>.</summary>
    public JsonObject ToJson()
    {
        var json = Decoder.ToJson();
        json["architectures"] = new JsonArray(Architecture);
        json["model_type"] = ModelType;
        json["shift_logits"] = ShiftLogits;
        json["self_conditioning"] = SelfConditioning;
        return json;
    }

    private static bool OptionalBool(JsonElement config, string name, string source)
    {
        if (!config.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CheckpointFormatException(source, null, $"field '{name}' must be true or false, found {value.GetRawText()}."),
        };
    }

    // Argument exceptions append "(Parameter 'x')" and "Actual value was v." to the message; say it as "field 'x' is v: ...".
    private static string Describe(Exception ex)
    {
        if (ex is not ArgumentException argument || argument.ParamName is null)
        {
            return ex.Message;
        }

        var message = ex.Message.Split('\n')[0].Replace($" (Parameter '{argument.ParamName}')", "", StringComparison.Ordinal).Trim();
        return ex is ArgumentOutOfRangeException { ActualValue: { } value }
            ? $"field '{argument.ParamName}' is {Convert.ToString(value, CultureInfo.InvariantCulture)}: {message}"
            : message;
    }
}
