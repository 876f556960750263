namespace DiffusionChat.Structured;

/// <summary>Bounds a scaffold puts on what a schema leaves open.</summary>
public sealed record ScaffoldLimits
{
    /// <summary>Token budget of a string value (default 24); a schema's <c>maxLength</c> tightens it.</summary>
    public int StringMaxTokens { get; init; } = 24;

    /// <summary>Token budget of a number (default 12).</summary>
    public int NumberMaxTokens { get; init; } = 12;

    /// <summary>Most items of an array whose schema has no <c>maxItems</c> (default 4).</summary>
    public int MaxArrayItems { get; init; } = 4;

    /// <summary>Deepest nesting of objects, arrays and <c>$ref</c>s (default 16); deeper schemas are refused.</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>Throws when a bound is below 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is below 1.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(StringMaxTokens, 1, nameof(StringMaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumberMaxTokens, 1, nameof(NumberMaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxArrayItems, 1, nameof(MaxArrayItems));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, 1, nameof(MaxDepth));
    }
}
