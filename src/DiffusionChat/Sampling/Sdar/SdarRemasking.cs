namespace DiffusionChat.Sampling.Sdar;

/// <summary>Which masked positions of the block a denoising step commits (<c>remasking_strategy</c> of SDAR's <c>generate.py</c>).</summary>
public enum SdarRemasking
{
    /// <summary><c>low_confidence_static</c>: the scheduled number of positions whose drawn token is most probable.</summary>
    LowConfidenceStatic,

    /// <summary>
    /// <c>low_confidence_dynamic</c>: every position whose drawn token's probability exceeds the threshold, when they
    /// are at least the scheduled number; otherwise the scheduled number of most confident ones.
    /// </summary>
    LowConfidenceDynamic,

    /// <summary><c>sequential</c>: the scheduled number of positions from the first masked one, left to right.</summary>
    Sequential,
}
