using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Simplex;

/// <summary>Creating and training an SSD-LM denoiser from scratch (the trainer's simplex objective uses these).</summary>
public sealed partial class SsdLmDenoiser
{
    /// <summary>
    /// Builds a randomly initialised, trainable denoiser with RoBERTa's initialisation (transformers'
    /// <c>RobertaPreTrainedModel._init_weights</c>): matrices and embeddings ~ N(0, 0.02^2), biases 0, LayerNorm
    /// weights 1, the padding rows of the word and position tables 0; every parameter requires grad.
    /// </summary>
    /// <param name="config">The architecture; <c>HiddenSize</c> must be divisible by <c>HeadCount</c>.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="seed">Seed of the initialisation (same seed, same weights).</param>
    /// <returns>The new float32 denoiser (caller disposes); save it with its <c>state_dict()</c>, whose names are the checkpoint keys.</returns>
    /// <exception cref="ArgumentException">The heads do not divide the width, or the config leaves no usable position.</exception>
    public static SsdLmDenoiser Create(SsdLmConfig config, Device device, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        if (config.HiddenSize % config.HeadCount != 0)
        {
            throw new ArgumentException($"HiddenSize {config.HiddenSize} is not divisible by HeadCount {config.HeadCount}.", nameof(config));
        }

        if (config.MaxSequenceLength < 1 || config.PadTokenId >= config.VocabSize)
        {
            throw new ArgumentException(
                $"MaxPositions {config.MaxPositions} must exceed PadTokenId + 1 ({config.PadTokenId + 1}) and PadTokenId must be below VocabSize {config.VocabSize}.", nameof(config));
        }

        var model = new SsdLmDenoiser(config, device, ScalarType.Float32);
        using var generator = new Generator((ulong)seed, device);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                if (parameter.dim() >= 2)
                {
                    parameter.normal_(0, 0.02, generator);
                }
                else
                {
                    parameter.FillWith(IsLayerNormWeight(name) ? 1.0 : 0.0);
                }

                parameter.requires_grad = true;
            }

            // nn.Embedding's padding_idx row stays zero and receives no gradient, as in the reference.
            model.roberta.Embeddings.WordEmbeddingWeight[config.PadTokenId].zero_();
            model.roberta.Embeddings.PositionEmbeddingWeight[config.PadTokenId].zero_();
        }

        return model;
    }

    /// <summary>
    /// <see cref="EquivalentScore"/> with autograd on: the block's predicted logits [B, L, V] for a training loss.
    /// </summary>
    /// <inheritdoc cref="EquivalentScore"/>
    /// <param name="contextIds">Clean context ids [B, C], int64 (left-padded rows need <paramref name="attentionMask"/>).</param>
    /// <param name="simplexLogits">The noisy block xt [B, L, V].</param>
    /// <param name="timesteps">The timestep t per row [B] (1..T).</param>
    /// <param name="totalSteps">T.</param>
    /// <param name="attentionMask">Optional [B, C + L] (1 = real token, 0 = left padding), as the sampler passes it.</param>
    public Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null) =>
        BlockScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);

    private static bool IsLayerNormWeight(string name) =>
        name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) || name.EndsWith("layer_norm.weight", StringComparison.Ordinal);
}
