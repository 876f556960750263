using System.Globalization;
using System.Text.Json;

namespace DiffusionChat.Chat;

/// <summary>
/// Reads typed values out of <c>AdditionalProperties</c>, where callers put CLR numbers and strings and Semantic Kernel
/// puts <see cref="JsonElement"/>s. Every failure is an <see cref="ArgumentException"/> naming the key, the value and
/// what is allowed.
/// </summary>
internal static class AdditionalPropertyValues
{
    public static int? Int32(IReadOnlyDictionary<string, object?>? properties, string key)
    {
        if (!TryGet(properties, key, out var value))
        {
            return null;
        }

        double? number = Number(value);
        if (number is { } d && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue)
        {
            return (int)d;
        }

        throw Invalid(key, value, "an integer");
    }

    public static bool? Boolean(IReadOnlyDictionary<string, object?>? properties, string key)
    {
        if (!TryGet(properties, key, out var value))
        {
            return null;
        }

        return value switch
        {
            bool b => b,
            string s when bool.TryParse(s.Trim(), out var parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.True } => true,
            JsonElement { ValueKind: JsonValueKind.False } => false,
            JsonElement { ValueKind: JsonValueKind.String } j when bool.TryParse(j.GetString(), out var parsed) => parsed,
            _ => throw Invalid(key, value, "true or false"),
        };
    }

    public static double? Double(IReadOnlyDictionary<string, object?>? properties, string key)
    {
        if (!TryGet(properties, key, out var value))
        {
            return null;
        }

        return Number(value) ?? throw Invalid(key, value, "a number");
    }

    public static TEnum? Enum<TEnum>(IReadOnlyDictionary<string, object?>? properties, string key)
        where TEnum : struct, Enum
    {
        if (!TryGet(properties, key, out var value))
        {
            return null;
        }

        string? text = value switch
        {
            TEnum e => e.ToString(),
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } j => j.GetString(),
            _ => null,
        };

        // Names only: a number must not sneak in as an undefined enum value.
        if (text is not null && !text.Trim().All(c => char.IsAsciiDigit(c) || c == '-') &&
            System.Enum.TryParse<TEnum>(text.Trim(), ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed))
        {
            return parsed;
        }

        throw Invalid(key, value, $"one of {string.Join(", ", System.Enum.GetNames<TEnum>())}");
    }

    private static bool TryGet(IReadOnlyDictionary<string, object?>? properties, string key, out object? value)
    {
        value = null;
        if (properties is null || !properties.TryGetValue(key, out value) || value is null)
        {
            return false;
        }

        return value is not JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined };
    }

    private static double? Number(object? value) => value switch
    {
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        float f when float.IsFinite(f) => f,
        double d when double.IsFinite(d) => d,
        decimal m => (double)m,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        JsonElement { ValueKind: JsonValueKind.Number } j when j.TryGetDouble(out var d) => d,
        JsonElement { ValueKind: JsonValueKind.String } j when double.TryParse(j.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => null,
    };

    private static ArgumentException Invalid(string key, object? value, string allowed) =>
        new($"ChatOptions.AdditionalProperties['{key}'] = '{Describe(value)}' is not valid; expected {allowed}.", "options");

    private static string Describe(object? value) => value switch
    {
        JsonElement j => j.GetRawText(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString() ?? "null",
    };
}
