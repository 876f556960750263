namespace DiffusionChat.Structured;

/// <summary>
/// Where a JSON number is while it is written token by token (RFC 8259: <c>-? (0 | [1-9][0-9]*) (. [0-9]+)?</c>; no
/// exponent), and which token classes may come next. Digits are single tokens in the shipped tokenizers (their
/// pre-tokenizer splits every digit), so the grammar works on single-character tokens plus a terminator class.
/// </summary>
internal enum NumberState
{
    /// <summary>Nothing written yet: a digit or a minus.</summary>
    Start,

    /// <summary>After the minus: a digit.</summary>
    AfterSign,

    /// <summary>After a leading zero: the point or the end (no leading zeros in JSON).</summary>
    AfterZero,

    /// <summary>Inside the whole part: a digit, the point or the end.</summary>
    IntegerDigits,

    /// <summary>After the point: a digit.</summary>
    AfterPoint,

    /// <summary>Inside the fraction: a digit or the end.</summary>
    FractionDigits,
}

/// <summary>The transitions of <see cref="NumberState"/>.</summary>
internal static class NumberGrammar
{
    /// <summary>The token classes allowed in a state.</summary>
    public static NumberTokenClass Allowed(NumberState state, bool integer) => state switch
    {
        NumberState.Start => NumberTokenClass.Zero | NumberTokenClass.NonZeroDigit | NumberTokenClass.Minus,
        NumberState.AfterSign or NumberState.AfterPoint => NumberTokenClass.Zero | NumberTokenClass.NonZeroDigit,
        NumberState.AfterZero => NumberTokenClass.End | (integer ? NumberTokenClass.None : NumberTokenClass.Point),
        NumberState.IntegerDigits => NumberTokenClass.Zero | NumberTokenClass.NonZeroDigit | NumberTokenClass.End | (integer ? NumberTokenClass.None : NumberTokenClass.Point),
        _ => NumberTokenClass.Zero | NumberTokenClass.NonZeroDigit | NumberTokenClass.End,
    };

    /// <summary>The state after a token of class <paramref name="token"/> (not <see cref="NumberTokenClass.End"/>).</summary>
    public static NumberState Next(NumberState state, NumberTokenClass token) => (state, token) switch
    {
        (NumberState.Start, NumberTokenClass.Minus) => NumberState.AfterSign,
        (NumberState.Start or NumberState.AfterSign, NumberTokenClass.Zero) => NumberState.AfterZero,
        (NumberState.Start or NumberState.AfterSign, _) => NumberState.IntegerDigits,
        (NumberState.AfterZero or NumberState.IntegerDigits, NumberTokenClass.Point) => NumberState.AfterPoint,
        (NumberState.IntegerDigits, _) => NumberState.IntegerDigits,
        _ => NumberState.FractionDigits,
    };
}

/// <summary>Classes of tokens a number is written from.</summary>
[Flags]
internal enum NumberTokenClass
{
    /// <summary>No class (a token a number never holds).</summary>
    None = 0,

    /// <summary>The digit 0.</summary>
    Zero = 1,

    /// <summary>A digit 1-9.</summary>
    NonZeroDigit = 2,

    /// <summary>The minus sign.</summary>
    Minus = 4,

    /// <summary>The decimal point.</summary>
    Point = 8,

    /// <summary>A token that ends the number: one opening with <c>,</c>, <c>}</c> or <c>]</c>.</summary>
    End = 16,
}
