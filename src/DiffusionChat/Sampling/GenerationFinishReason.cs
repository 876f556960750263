namespace DiffusionChat.Sampling;

/// <summary>Why a generated row stopped: the one finish reason of every sampler and generator (the chat client maps it to <c>ChatFinishReason</c>).</summary>
public enum GenerationFinishReason
{
    /// <summary>The model committed its end-of-sequence token or a stop id (nothing from it on is returned).</summary>
    EndOfSequence,

    /// <summary>The requested number of answer tokens (or every block of the answer length) was generated without one.</summary>
    Length,

    /// <summary>The caller asked the row to stop (e.g. a stop sequence matched).</summary>
    Stopped,
}
