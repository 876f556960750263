namespace DiffusionChat.Structured;

/// <summary>Bounds a scaffold puts on what a schema leaves open.</summary>
public sealed record ScaffoldLimits
{
    /// <summary>Token budget of a string value (default 24); a schema's <c>maxLength</c> tightens it.</summary>
    public int StringMaxTokens { get; init; } = 24;

    /// <summary>Token budget of a number (default 12).</summary>
    public int NumberMaxTokens { get; init; } = 12;

    /// <summary>
    /// Lower bound of an <c>integer</c> whose schema gives no <c>minimum</c> (default <see cref="int.MinValue"/>): the
    /// schemas <c>GetResponseAsync&lt;T&gt;</c> sends say <c>integer</c> for an <c>int</c> without its range, and a
    /// value outside it would be schema-valid but not deserialize. Lower it for <c>long</c> values.
    /// </summary>
    public double IntegerMinimum { get; init; } = int.MinValue;

    /// <summary>Upper bound of an <c>integer</c> whose schema gives no <c>maximum</c> (default <see cref="int.MaxValue"/>); see <see cref="IntegerMinimum"/>.</summary>
    public double IntegerMaximum { get; init; } = int.MaxValue;

    /// <summary>Most items of an array whose schema has no <c>maxItems</c> (default 4).</summary>
    public int MaxArrayItems { get; init; } = 4;

    /// <summary>Deepest nesting of objects, arrays and <c>$ref</c>s (default 16); deeper schemas are refused.</summary>
    public int MaxDepth { get; init; } = 16;

    /// <summary>Throws when a bound is below 1 or the integer range is empty.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A bound is below 1 or the integer range is empty.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(StringMaxTokens, 1, nameof(StringMaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(NumberMaxTokens, 1, nameof(NumberMaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxArrayItems, 1, nameof(MaxArrayItems));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDepth, 1, nameof(MaxDepth));
        if (!(IntegerMinimum <= IntegerMaximum))
        {
            throw new ArgumentOutOfRangeException(nameof(IntegerMinimum), IntegerMinimum, $"IntegerMinimum must be at most IntegerMaximum ({IntegerMaximum}).");
        }
    }
}
