namespace DiffusionChat.Sampling.Simplex;

/// <summary>How the denoiser's predicted logits are mapped back onto the almost-one-hot simplex at every step.</summary>
public enum SimplexProjection
{
    /// <summary>
    /// Every token in the top-p nucleus gets +K, all others -K (a multi-hot vector): the reference
    /// <c>logits_projection</c> of <c>ssd_model_decode.py</c>. Deterministic given the logits.
    /// </summary>
    TopPMultiHot,

    /// <summary>
    /// One token is sampled from the top-p-filtered distribution and its one-hot vector is mapped to +-K: the
    /// reference <c>logits_sampling_projection</c> (the paper's "sampling" decoding). Draws one uniform per position.
    /// </summary>
    TopPSampledOneHot,
}
