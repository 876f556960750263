namespace DiffusionChat.Sampling.Dream;

/// <summary>
/// Which masked positions a step of Dream's <c>diffusion_generate</c> fills (its <c>alg</c>): each step predicts a
/// token for every masked position, then commits a share of them.
/// </summary>
public enum DreamUnmasking
{
    /// <summary><c>origin</c>: every masked position is filled independently with probability <c>1 - s/t</c> (the reverse process of absorbing diffusion).</summary>
    Origin,

    /// <summary><c>maskgit_plus</c>: the positions whose chosen token is most probable.</summary>
    MaskGitPlus,

    /// <summary><c>topk_margin</c>: the positions with the largest margin between their two most probable tokens.</summary>
    TopKMargin,

    /// <summary><c>entropy</c>: the positions whose predicted distribution has the lowest entropy.</summary>
    Entropy,
}
