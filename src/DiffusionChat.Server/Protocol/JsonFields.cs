using System.Text.Json;
using DiffusionChat.Server.Errors;

namespace DiffusionChat.Server.Protocol;

/// <summary>
/// Typed reads of request fields; every failure is a 400 naming the field by its path (<c>messages[2].role</c>) and
/// what it must be. A field set to JSON <c>null</c> counts as absent, as in OpenAI's API.
/// </summary>
internal static class JsonFields
{
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public static JsonElement Required(JsonElement obj, string name, string path) =>
        TryGet(obj, name, out var value) ? value : throw new OpenAIErrorException(OpenAIError.Missing(path));

    public static JsonElement Object(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object ? value : throw new OpenAIErrorException(OpenAIError.WrongType(path, "an object", value));

    public static JsonElement Array(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Array ? value : throw new OpenAIErrorException(OpenAIError.WrongType(path, "an array", value));

    public static string String(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new OpenAIErrorException(OpenAIError.WrongType(path, "a string", value));

    public static string? OptionalString(JsonElement obj, string name, string path) =>
        TryGet(obj, name, out var value) ? String(value, path) : null;

    public static bool? OptionalBool(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new OpenAIErrorException(OpenAIError.WrongType(path, "a boolean", value)),
        };
    }

    public static long? OptionalInt64(JsonElement obj, string name, string path)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long n)
            ? n
            : throw new OpenAIErrorException(OpenAIError.WrongType(path, "an integer", value));
    }

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; huge values are range errors, not overflow.</summary>
    public static int? OptionalInt32(JsonElement obj, string name, string path, int min, int max, string? maxReason = null)
    {
        if (OptionalInt64(obj, name, path) is not { } n)
        {
            return null;
        }

        if (n < min)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': {n} is below the minimum of {min}.", path));
        }

        if (n > max)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': {n} is above the maximum of {max}{maxReason}.", path));
        }

        return (int)n;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], the lower end excluded when <paramref name="minExclusive"/>.</summary>
    public static double? OptionalNumber(JsonElement obj, string name, string path, double min, double max, bool minExclusive = false)
    {
        if (!TryGet(obj, name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double d) || !double.IsFinite(d))
        {
            throw new OpenAIErrorException(OpenAIError.WrongType(path, "a number", value));
        }

        if (d < min || (minExclusive && d == min) || d > max)
        {
            var range = minExclusive ? $"({min}, {max}]" : $"[{min}, {max}]";
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': {value.GetRawText()} is outside {range}.", path));
        }

        return d;
    }
}
