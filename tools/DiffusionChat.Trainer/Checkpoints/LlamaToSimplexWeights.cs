using System.Globalization;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Simplex;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Checkpoints;

/// <summary>
/// Starts a <see cref="SimplexLlamaDenoiser"/> from the weights of a LLaMA-style AR decoder of the same shape (TESS 2
/// adapts AR models into simplex diffusion models the same way): the embedding table, every block and the final norm
/// are copied under their own names (<c>model.*</c>); the timestep layer stays zero. The start therefore computes,
/// on a one-hot simplex, the AR model's hidden states on the context and the AR model's next-token logits as the
/// first block token's score (see <see cref="SimplexLlamaDenoiser"/> for what is exact).
/// </summary>
internal static class LlamaToSimplexWeights
{
    /// <summary>Copies the AR decoder's weights into <paramref name="denoiser"/> and zeroes its timestep layer.</summary>
    /// <param name="checkpoint">The AR model's folder (<c>model_type</c> <c>llama</c>).</param>
    /// <param name="denoiser">The simplex model.</param>
    /// <exception cref="ArgumentException">The two architectures differ in a hyper-parameter (named with both values).</exception>
    /// <exception cref="CheckpointFormatException">A tensor is missing or has the wrong shape.</exception>
    public static void Load(CheckpointFolder checkpoint, SimplexLlamaDenoiser denoiser)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(denoiser);
        var ar = LlamaConfig.FromJson(checkpoint.Config);
        var simplex = denoiser.Config.Decoder;
        var mismatches = new List<string>();
        Compare("hidden size", ar.HiddenSize, simplex.HiddenSize);
        Compare("layers", ar.NumHiddenLayers, simplex.NumHiddenLayers);
        Compare("attention heads", ar.NumAttentionHeads, simplex.NumAttentionHeads);
        Compare("key/value heads", ar.NumKeyValueHeads, simplex.NumKeyValueHeads);
        Compare("intermediate size", ar.IntermediateSize, simplex.IntermediateSize);
        Compare("vocabulary", ar.VocabSize, simplex.VocabSize);
        Compare("rope theta", ar.RopeTheta, simplex.RopeTheta);
        Compare("RMSNorm epsilon", ar.RmsNormEps, simplex.RmsNormEps);
        Compare("tied embeddings", ar.TieWordEmbeddings, simplex.TieWordEmbeddings);
        if (mismatches.Count > 0)
        {
            throw new ArgumentException(
                $"The AR model in '{checkpoint.Directory}' cannot start this simplex model: {string.Join("; ", mismatches)} (AR vs simplex). Give the simplex run the AR model's architecture options.");
        }

        StateDictLoader.Load(denoiser.Decoder, checkpoint, prefix: "model.");
        using (no_grad())
        {
            foreach (var (name, parameter) in denoiser.named_parameters())
            {
                if (name.StartsWith("timestep_layer.", StringComparison.Ordinal))
                {
                    parameter.zero_();
                }
            }
        }

        void Compare<T>(string what, T arValue, T simplexValue)
        {
            if (!EqualityComparer<T>.Default.Equals(arValue, simplexValue))
            {
                mismatches.Add(string.Create(CultureInfo.InvariantCulture, $"{what} {arValue} vs {simplexValue}"));
            }
        }
    }
}
