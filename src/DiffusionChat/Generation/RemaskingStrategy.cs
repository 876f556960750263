namespace DiffusionChat.Generation;

/// <summary>How a masked-diffusion sampler picks which predicted positions to commit at each step.</summary>
public enum RemaskingStrategy
{
    /// <summary>Commit the positions whose predicted token has the highest probability (LLaDA's default).</summary>
    LowConfidence,

    /// <summary>Commit uniformly random masked positions (LLaDA's "random" remasking).</summary>
    Random,

    /// <summary>Commit the positions with the largest gap between the top-1 and top-2 probabilities.</summary>
    TopTwoMargin,

    /// <summary>Commit the positions whose predictive distribution has the lowest entropy.</summary>
    Entropy,
}
