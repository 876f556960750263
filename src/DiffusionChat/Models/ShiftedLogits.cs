using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// The "next token" alignment of a masked model adapted from an autoregressive one (Dream 7B; LLaDA with
/// <c>shift_logits</c>): position i is scored with the state at position i - 1; position 0, which has no left
/// neighbour, keeps its own (<c>cat([logits[:, :1], logits[:, :-1]], 1)</c> in Dream's sampler).
/// </summary>
internal static class ShiftedLogits
{
    /// <summary>The hidden states [B, length, D] that give the logits of the output positions (offset, length).</summary>
    /// <param name="hidden">States [B, W, D] of the whole input (a sequence, or a window of one).</param>
    /// <param name="output">The output positions, relative to the input.</param>
    /// <param name="before">
    /// The state [B, 1, D] of the position just before a window that does not start the sequence (a cached pass keeps
    /// it), or null when the input starts at position 0.
    /// </param>
    public static Tensor States(Tensor hidden, (int Offset, int Length) output, Tensor? before = null)
    {
        int from = output.Offset - 1;
        if (from >= 0)
        {
            return hidden[.., from..(from + output.Length)];
        }

        return cat([before ?? hidden[.., 0..1], hidden[.., 0..(output.Length - 1)]], 1);
    }

    /// <summary>
    /// The final state [B, 1, D] a cache kept for the position before a window at <paramref name="start"/>, or null
    /// when there is no cache or the window starts the sequence.
    /// </summary>
    /// <exception cref="ArgumentException">The cache kept no final states (it was not built by a shifted-logit model).</exception>
    public static Tensor? StateBefore(KeyValueCache? cache, long start)
    {
        if (cache is null || start == 0)
        {
            return null;
        }

        var states = cache.OutputStates ?? throw new ArgumentException(
            "The key/value cache holds no final hidden states, which a shifted-logit model needs for a window's first position; build it with this model's ForwardWithCache.", nameof(cache));
        return states[.., (int)(start - 1)..(int)start];
    }
}
