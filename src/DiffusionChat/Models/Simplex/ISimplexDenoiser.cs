using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// What the simplex sampler (<see cref="Sampling.Simplex.SimplexSampler"/>) needs from a denoiser: given the clean
/// context ids and a noisy block of simplex logits at timestep t, the predicted logits of the block's tokens. Two
/// implementations: the released SSD-LM layout (<see cref="SsdLmDenoiser"/>, RoBERTa) and our LLaMA-style one
/// (<see cref="SimplexLlamaDenoiser"/>).
/// </summary>
/// <remarks>
/// Every tensor argument must be on <see cref="Device"/>; nothing passed in is modified; results are owned by the
/// caller. Implementations are safe to call from several threads at once for inference (they share read-only weights).
/// </remarks>
public interface ISimplexDenoiser : IDisposable
{
    /// <summary>Vocabulary size V: the simplex has V dimensions.</summary>
    int VocabSize { get; }

    /// <summary>The id left-padded contexts are filled with (padded positions are masked out, so its value does not matter).</summary>
    int PadTokenId { get; }

    /// <summary>The longest context + block (positions) the model takes.</summary>
    int MaxSequenceLength { get; }

    /// <summary>The device holding the weights; every input must be on it.</summary>
    Device Device { get; }

    /// <summary>The weights' floating-point type.</summary>
    ScalarType DType { get; }

    /// <summary>The block's predicted logits ("equivalent score" in SSD-LM), [B, L, V], without gradients.</summary>
    /// <param name="contextIds">Context token ids [B, C], int64; C may be 0.</param>
    /// <param name="simplexLogits">The noisy block x_t [B, L, V] (logits whose softmax is a point of the simplex).</param>
    /// <param name="timesteps">Current timestep t per row [B] (1..T; fractional values allowed).</param>
    /// <param name="totalSteps">T, the number of diffusion steps the timestep is relative to.</param>
    /// <param name="attentionMask">
    /// Optional [B, C + L] (1 = real token, 0 = left padding) for batches whose contexts were left-padded to one width;
    /// a padded row then computes what it would alone. Null means nothing is padded.
    /// </param>
    /// <returns>[B, L, V], owned by the caller.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit (the message names it).</exception>
    Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null);

    /// <summary><see cref="EquivalentScore"/> with autograd on, for a training loss.</summary>
    /// <inheritdoc cref="EquivalentScore"/>
    Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null);
}
