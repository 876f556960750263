namespace DiffusionChat.Sampling.Autoregressive;

/// <summary>How <see cref="CausalDecoder"/> picks tokens and when it stops.</summary>
/// <param name="MaxNewTokens">Upper bound on generated tokens per sequence (positive).</param>
/// <param name="StopTokenIds">Tokens that end a sequence (e.g. <c>&lt;|im_end|&gt;</c>, <c>&lt;|endoftext|&gt;</c>); not included in the output.</param>
/// <param name="PadTokenId">Fills the left of shorter prompts in a batch.</param>
public sealed record DecodingOptions(int MaxNewTokens, IReadOnlyList<int> StopTokenIds, int PadTokenId)
{
    /// <summary>Softmax temperature; 0 means greedy (argmax), ignoring top-k, top-p and seed.</summary>
    public double Temperature { get; init; }

    /// <summary>Keep only the k most likely tokens before sampling; null keeps all.</summary>
    public int? TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p (nucleus sampling); null keeps all.</summary>
    public double? TopP { get; init; }

    /// <summary>Seed of the sampling generator; the same seed, prompts and model give the same tokens.</summary>
    public long Seed { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its allowed range.</exception>
    public DecodingOptions Validate(int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxNewTokens);
        ArgumentNullException.ThrowIfNull(StopTokenIds);
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a finite number >= 0 (0 = greedy).");
        }

        if (TopK is { } k && (k < 1 || k > vocabularySize))
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), k, $"TopK must be in [1, {vocabularySize}] or null.");
        }

        if (TopP is { } p && (!(p > 0) || p > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), p, "TopP must be in (0, 1] or null.");
        }

        foreach (var id in StopTokenIds.Append(PadTokenId))
        {
            if (id < 0 || id >= vocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(StopTokenIds), id, $"Token ids must be in [0, {vocabularySize}).");
            }
        }

        return this;
    }
}
