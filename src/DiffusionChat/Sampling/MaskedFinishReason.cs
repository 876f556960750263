namespace DiffusionChat.Sampling;

/// <summary>Why a row of a generation stopped.</summary>
public enum MaskedFinishReason
{
    /// <summary>The model committed the end-of-sequence token; the answer ends before it.</summary>
    EndOfSequence,

    /// <summary>Every block of the answer length was generated without an end-of-sequence token.</summary>
    Length,
}
