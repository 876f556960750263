namespace DiffusionChat.Generation;

/// <summary>Why a generated row stopped.</summary>
public enum GenerationFinishReason
{
    /// <summary>The model committed its end-of-sequence token (nothing after it is returned).</summary>
    EndOfSequence,

    /// <summary>The requested number of answer tokens was reached.</summary>
    Length,

    /// <summary>The caller asked the row to stop (e.g. a stop sequence matched).</summary>
    Stopped,
}
