namespace DiffusionChat.Sampling;

/// <summary>Settings of <see cref="MaskedDiffusionSampler"/> (LLaDA's semi-autoregressive block sampling).</summary>
/// <remarks>
/// Immutable; <see cref="Validate()"/> is called by the sampler and throws <see cref="ArgumentOutOfRangeException"/>
/// naming the bad value and the allowed range.
/// </remarks>
public sealed record MaskedSamplerOptions
{
    /// <summary>Answer length in tokens (LLaDA <c>gen_length</c>); a positive multiple of <see cref="BlockLength"/>.</summary>
    public int AnswerLength { get; init; } = 128;

    /// <summary>Tokens per block; blocks are generated left to right.</summary>
    public int BlockLength { get; init; } = 32;

    /// <summary>Denoising steps per block (at least 1); with a fixed schedule, each step makes one forward pass.</summary>
    public int StepsPerBlock { get; init; } = 32;

    /// <summary>Which positions are committed first.</summary>
    public RemaskingStrategy Remasking { get; init; } = RemaskingStrategy.LowConfidence;

    /// <summary>
    /// Sampling temperature (at least 0). 0 = argmax; otherwise Gumbel-max over <c>logits / T</c> in float64 (LLaDA's
    /// <c>add_gumbel_noise</c>).
    /// </summary>
    public double Temperature { get; init; }

    /// <summary>Optional top-k filter (at least 1) applied before sampling.</summary>
    public int? TopK { get; init; }

    /// <summary>Optional nucleus filter in (0, 1] applied before sampling.</summary>
    public double? TopP { get; init; }

    /// <summary>
    /// Optional confidence threshold in (0, 1] for parallel decoding (Fast-dLLM): each step commits the best-ranked
    /// position plus every position whose predicted token has probability at least this, and the block ends when no
    /// mask is left (the step count then depends on the data; <see cref="StepsPerBlock"/> is not used). Null = fixed
    /// schedule.
    /// </summary>
    public double? ConfidenceThreshold { get; init; }

    /// <summary>Approximate key/value caching (Fast-dLLM); <see cref="KeyValueCacheMode.None"/> is exact.</summary>
    public KeyValueCacheMode Cache { get; init; } = KeyValueCacheMode.None;

    /// <summary>
    /// Block-causal sampler only: greedy one-token-per-step decoding (<see cref="BlockLength"/> 1) with drafts of the rest
    /// of the attention block verified in the same passes (<see cref="DraftAndVerify"/>); same answer, fewer passes.
    /// Ignored when <see cref="Temperature"/> is above 0 (then one token per pass).
    /// </summary>
    public bool DraftAndVerify { get; init; }

    /// <summary>Stop a row after the block in which it commits the end-of-sequence token (default true).</summary>
    public bool StopAtEndOfSequence { get; init; } = true;

    /// <summary>
    /// Further ids that end a row like the end-of-sequence id (e.g. an instruct model's end-of-turn token); used only
    /// with <see cref="StopAtEndOfSequence"/>. Empty by default.
    /// </summary>
    public IReadOnlyList<int> AdditionalStopTokenIds { get; init; } = [];

    /// <summary>Also raise a step event for every step (costs one small device read per step).</summary>
    public bool ReportSteps { get; init; }

    /// <summary>Number of blocks.</summary>
    public int BlockCount => AnswerLength / BlockLength;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is outside its allowed range.</exception>
    public void Validate() => Validate(wholeBlocks: true);

    /// <summary>Checks every setting; <paramref name="wholeBlocks"/> = false lets the answer length end inside a block.</summary>
    internal void Validate(bool wholeBlocks)
    {
        if (BlockLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockLength), BlockLength, "BlockLength must be at least 1.");
        }

        if (AnswerLength < 1 || (wholeBlocks && AnswerLength % BlockLength != 0))
        {
            throw new ArgumentOutOfRangeException(nameof(AnswerLength), AnswerLength, $"AnswerLength must be a positive multiple of BlockLength ({BlockLength}).");
        }

        if (StepsPerBlock < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StepsPerBlock), StepsPerBlock, "StepsPerBlock must be at least 1.");
        }

        if (AdditionalStopTokenIds is null || AdditionalStopTokenIds.Any(id => id < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(AdditionalStopTokenIds), AdditionalStopTokenIds is null ? "null" : string.Join(", ", AdditionalStopTokenIds), "AdditionalStopTokenIds must be a (possibly empty) list of non-negative token ids.");
        }

        if (!Enum.IsDefined(Remasking))
        {
            throw new ArgumentOutOfRangeException(nameof(Remasking), Remasking, $"Remasking must be one of {string.Join(", ", Enum.GetNames<RemaskingStrategy>())}.");
        }

        if (!Enum.IsDefined(Cache))
        {
            throw new ArgumentOutOfRangeException(nameof(Cache), Cache, $"Cache must be one of {string.Join(", ", Enum.GetNames<KeyValueCacheMode>())}.");
        }

        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number >= 0.");
        }

        if (TopK is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be at least 1 (or null for no top-k filter).");
        }

        if (TopP is { } p && !(p > 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1] (or null for no nucleus filter).");
        }

        if (ConfidenceThreshold is { } c && !(c > 0 && c <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ConfidenceThreshold), ConfidenceThreshold, "ConfidenceThreshold must be in (0, 1] (or null for the fixed schedule).");
        }

        if (DraftAndVerify && (BlockLength != 1 || StepsPerBlock != 1 || ConfidenceThreshold is not null))
        {
            throw new ArgumentOutOfRangeException(nameof(DraftAndVerify), DraftAndVerify,
                $"DraftAndVerify reproduces one-token-per-step decoding: it needs BlockLength 1 and StepsPerBlock 1 without a ConfidenceThreshold (got {BlockLength}, {StepsPerBlock}, {ConfidenceThreshold?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}).");
        }
    }
}
