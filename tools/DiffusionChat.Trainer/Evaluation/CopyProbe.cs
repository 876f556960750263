namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// The masking states a copy probe scores one answer token in: the same expected answer, with different tokens hidden.
/// </summary>
internal enum ProbeState
{
    /// <summary>The block-wise sampler's state: the answer before the token clean, the token and everything after it masked.</summary>
    SamplerOrder,

    /// <summary>Only the token masked: both neighbours and the rest of the answer visible (MDLM's states at small t).</summary>
    OnlyToken,

    /// <summary>The answer before the value clean, the whole value (all its tokens) masked, the rest of the answer visible.</summary>
    ValueHidden,
}

/// <summary>
/// Builds teacher-forced inputs that ask a masked model for one token of an expected answer (the first token of a
/// copied value, such as a tool name or a place) under each <see cref="ProbeState"/>, so a single forward pass shows
/// in which states the model can copy it. A diagnostic for training choices, not a quality figure.
/// </summary>
/// <param name="MaskId">The mask token id.</param>
/// <param name="EndOfSequenceId">The id after the answer in the window (the EOS tail SFT trains on).</param>
/// <param name="Window">Answer positions after the prompt, as the sampler appends them.</param>
internal sealed record CopyProbe(int MaskId, int EndOfSequenceId, int Window)
{
    /// <summary>The input ids (prompt, then <see cref="Window"/> answer positions) for <paramref name="state"/>.</summary>
    /// <param name="prompt">The prompt ids.</param>
    /// <param name="answer">The expected answer ids (up to its end-of-turn token).</param>
    /// <param name="value">The copied value's token span inside <paramref name="answer"/>; its first token is asked for.</param>
    /// <param name="state">Which tokens to hide.</param>
    /// <returns>The ids; the asked position is <c>prompt.Count + value.Start</c>.</returns>
    /// <exception cref="ArgumentException">The answer does not fit the window or the span is not inside it.</exception>
    public int[] Input(IReadOnlyList<int> prompt, IReadOnlyList<int> answer, Range value, ProbeState state)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.Count > Window)
        {
            throw new ArgumentException($"The answer has {answer.Count} tokens, more than the {Window}-token window.", nameof(answer));
        }

        var (start, length) = value.GetOffsetAndLength(answer.Count);
        if (length == 0)
        {
            throw new ArgumentException("The value span is empty.", nameof(value));
        }

        var window = new int[Window];
        for (int i = 0; i < Window; i++)
        {
            window[i] = i < answer.Count ? answer[i] : EndOfSequenceId;
        }

        var hiddenEnd = state switch
        {
            ProbeState.SamplerOrder => Window,
            ProbeState.OnlyToken => start + 1,
            ProbeState.ValueHidden => start + length,
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown probe state."),
        };
        window.AsSpan(start, hiddenEnd - start).Fill(MaskId);
        return [.. prompt, .. window];
    }
}
