namespace DiffusionChat.Sampling;

/// <summary>
/// How a sampler ranks the still-masked positions of a block to decide which predictions to commit in a step (the
/// others stay masked, i.e. are "remasked" in LLaDA's words).
/// </summary>
public enum RemaskingStrategy
{
    /// <summary>Commit the positions whose predicted token has the highest probability (LLaDA <c>low_confidence</c>).</summary>
    LowConfidence,

    /// <summary>Commit uniformly random positions (LLaDA <c>random</c>); draws from the request's generator.</summary>
    Random,

    /// <summary>Commit the positions with the largest gap between the top two probabilities (top-2 margin).</summary>
    TopTwoMargin,

    /// <summary>Commit the positions whose predictive distribution has the lowest entropy.</summary>
    Entropy,
}
