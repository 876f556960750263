using DiffusionChat.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>Creating a trainable <see cref="SimplexLlamaDenoiser"/> (the trainer's <c>simplex-llama</c> objective).</summary>
public sealed partial class SimplexLlamaDenoiser
{
    /// <summary>
    /// Builds a trainable denoiser with the AR baseline's initialisation (GPT-2 style: matrices and embeddings
    /// ~ N(0, 0.02^2), attention and feed-forward output projections ~ N(0, (0.02 / sqrt(2 * layers))^2), RMSNorm
    /// weights 1) and a zero timestep layer; every parameter requires grad.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="seed">Seed of the initialisation (same seed, same weights).</param>
    /// <returns>The float32 denoiser (caller disposes); its <c>state_dict()</c> names are the checkpoint keys.</returns>
    public static SimplexLlamaDenoiser Create(SimplexLlamaConfig config, Device device, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        var denoiser = new SimplexLlamaDenoiser(config, device);
        using var generator = new Generator((ulong)seed, device);
        var residualStd = 0.02 / Math.Sqrt(2.0 * config.Decoder.NumHiddenLayers);
        using (no_grad())
        {
            foreach (var (name, parameter) in denoiser.named_parameters())
            {
                if (name.StartsWith("timestep_layer.", StringComparison.Ordinal))
                {
                    parameter.zero_();
                }
                else if (parameter.dim() == 1)
                {
                    parameter.FillWith(1.0);
                }
                else
                {
                    var residual = name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal);
                    parameter.normal_(0, residual ? residualStd : 0.02, generator);
                }

                parameter.requires_grad = true;
            }
        }

        return denoiser;
    }
}
