using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// A simplex denoiser that may also read its own prediction from the previous denoising step (self-conditioning,
/// Chen et al. 2022, as TESS uses it for simplex diffusion); <see cref="Sampling.Simplex.SimplexSampler"/> passes the
/// previous step's score when <see cref="SelfConditioning"/> is true, and nothing at a block's first step.
/// </summary>
public interface ISelfConditionedSimplexDenoiser : ISimplexDenoiser
{
    /// <summary>Whether the model was built (and trained) to read the previous step's prediction.</summary>
    bool SelfConditioning { get; }

    /// <summary><see cref="ISimplexDenoiser.EquivalentScore"/> given the previous step's predicted logits.</summary>
    /// <inheritdoc cref="ISimplexDenoiser.EquivalentScore"/>
    /// <param name="contextIds">Context token ids [B, C], int64; C may be 0.</param>
    /// <param name="simplexLogits">The noisy block x_t [B, L, V].</param>
    /// <param name="timesteps">Current timestep t per row [B].</param>
    /// <param name="totalSteps">T.</param>
    /// <param name="attentionMask">Optional [B, C + L] (1 = real token, 0 = left padding).</param>
    /// <param name="previousScore">The previous step's score [B, L, V], or null at the first step (then this is <see cref="ISimplexDenoiser.EquivalentScore"/>).</param>
    /// <exception cref="InvalidOperationException"><paramref name="previousScore"/> is given to a model without self-conditioning.</exception>
    Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore);

    /// <summary>The self-conditioned score with autograd on, for a training loss.</summary>
    /// <inheritdoc cref="EquivalentScore(Tensor, Tensor, Tensor, int, Tensor?, Tensor?)"/>
    Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore);
}
