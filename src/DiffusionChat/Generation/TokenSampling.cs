namespace DiffusionChat.Generation;

/// <summary>How a token is drawn from the model's predicted distribution at a position.</summary>
/// <param name="Temperature">0 = greedy (argmax); above 0 = sample from softmax(logits / temperature).</param>
/// <param name="TopK">Keep only the k most likely tokens before sampling; null = no limit.</param>
/// <param name="TopP">Keep the smallest set of tokens whose probability reaches p (nucleus); null = 1.</param>
/// <param name="Seed">Seed of this request's random generator; the same seed and settings give the same answer.</param>
public sealed record TokenSampling(double Temperature, int? TopK, double? TopP, long Seed)
{
    /// <summary>Greedy decoding with seed 0.</summary>
    public static TokenSampling Greedy { get; } = new(0, null, null, 0);

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Temperature &lt; 0 or not finite, TopK &lt; 1, TopP outside (0, 1].</exception>
    public void Validate()
    {
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, $"Temperature must be a finite number >= 0; got {Temperature}.");
        }

        if (TopK is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, $"TopK must be at least 1; got {TopK}.");
        }

        if (TopP is { } p && (!(p > 0) || p > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), p, $"TopP must be in (0, 1]; got {p}.");
        }
    }
}
