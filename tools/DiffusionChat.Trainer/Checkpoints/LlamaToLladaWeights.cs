using System.Globalization;
using System.Text.RegularExpressions;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Llada;
using TorchSharp;

namespace DiffusionChat.Trainer.Checkpoints;

/// <summary>
/// Starts a LLaDA-style masked denoiser from the weights of a LLaMA-style autoregressive decoder of the same shape, as
/// DiffuLLaMA and Dream 7B adapt AR models into diffusion models: the two blocks are the same pre-norm RMSNorm +
/// rotary grouped-query attention + SwiGLU stack, only the names differ (and the attention, which the denoiser makes
/// bidirectional). The mask token's embedding row is whatever the AR model left there; training teaches it.
/// </summary>
internal static partial class LlamaToLladaWeights
{
    private static readonly Dictionary<string, string> BlockParts = new(StringComparer.Ordinal)
    {
        ["attn_norm"] = "input_layernorm",
        ["q_proj"] = "self_attn.q_proj",
        ["k_proj"] = "self_attn.k_proj",
        ["v_proj"] = "self_attn.v_proj",
        ["attn_out"] = "self_attn.o_proj",
        ["ff_norm"] = "post_attention_layernorm",
        ["ff_proj"] = "mlp.gate_proj", // LLaDA's ff_proj is the gated (activated) half of SwiGLU
        ["up_proj"] = "mlp.up_proj",
        ["ff_out"] = "mlp.down_proj",
    };

    /// <summary>Whether a checkpoint folder holds a LLaMA-style decoder (<c>model_type</c> "llama").</summary>
    public static bool IsLlama(CheckpointFolder checkpoint) =>
        checkpoint.Config.TryGetProperty("model_type", out var type) && type.GetString() == "llama";

    /// <summary>Copies the decoder's weights into <paramref name="denoiser"/>'s tensors.</summary>
    /// <param name="checkpoint">The AR model's folder.</param>
    /// <param name="denoiser">The masked model's module, tensors named as in a LLaDA checkpoint.</param>
    /// <param name="config">The masked model's architecture.</param>
    /// <exception cref="ArgumentException">The two architectures differ in a hyper-parameter (named with both values).</exception>
    /// <exception cref="CheckpointFormatException">A tensor is missing or has the wrong shape.</exception>
    public static void Load(CheckpointFolder checkpoint, torch.nn.Module denoiser, LladaConfig config)
    {
        var ar = LlamaConfig.FromJson(checkpoint.Config);
        var mismatches = new List<string>();
        Compare("hidden size", ar.HiddenSize, config.ModelDim);
        Compare("layers", ar.NumHiddenLayers, config.Layers);
        Compare("attention heads", ar.NumAttentionHeads, config.Heads);
        Compare("key/value heads", ar.NumKeyValueHeads, config.KeyValueHeads);
        Compare("intermediate size", ar.IntermediateSize, config.MlpHiddenSize);
        Compare("vocabulary", ar.VocabSize, config.EmbeddingSize);
        Compare("rope theta", ar.RopeTheta, config.RopeTheta);
        Compare("RMSNorm epsilon", ar.RmsNormEps, config.RmsNormEps);
        Compare("tied embeddings", ar.TieWordEmbeddings, config.WeightTying);
        if (mismatches.Count > 0)
        {
            throw new ArgumentException(
                $"The AR model in '{checkpoint.Directory}' cannot start this masked model: {string.Join("; ", mismatches)} (AR vs masked). Give the masked run the AR model's architecture options.");
        }

        StateDictLoader.Load(denoiser, checkpoint, LlamaKeyOf, key => key.StartsWith("model.", StringComparison.Ordinal) || key == "lm_head.weight");

        void Compare<T>(string what, T arValue, T maskedValue)
        {
            if (!EqualityComparer<T>.Default.Equals(arValue, maskedValue))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{what} {arValue} vs {maskedValue}"));
            }
        }
    }

    /// <summary>The LLaMA checkpoint key holding the tensor a LLaDA checkpoint stores under <paramref name="lladaKey"/>.</summary>
    /// <exception cref="ArgumentException">The key is not part of a LLaDA model.</exception>
    public static string LlamaKeyOf(string lladaKey)
    {
        switch (lladaKey)
        {
            case "model.transformer.wte.weight":
                return "model.embed_tokens.weight";
            case "model.transformer.ln_f.weight":
                return "model.norm.weight";
            case "model.transformer.ff_out.weight":
                return "lm_head.weight";
        }

        var block = BlockKey().Match(lladaKey);
        if (block.Success && BlockParts.TryGetValue(block.Groups["part"].Value, out var part))
        {
            return $"model.layers.{block.Groups["layer"].Value}.{part}.weight";
        }

        throw new ArgumentException($"'{lladaKey}' is not a tensor of a LLaDA model with a LLaMA counterpart.", nameof(lladaKey));
    }

    [GeneratedRegex(@"^model\.transformer\.blocks\.(?<layer>\d+)\.(?<part>[a-z_]+)\.weight$", RegexOptions.CultureInvariant)]
    private static partial Regex BlockKey();
}
