using System.Globalization;
using System.Text.Json;

namespace DiffusionChat.Structured;

/// <summary>
/// Checks a JSON value against the part of JSON Schema that <see cref="JsonSchemaScaffold"/> lays out: <c>type</c>,
/// <c>enum</c>, <c>const</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties: false</c>, <c>items</c>,
/// <c>minItems</c>/<c>maxItems</c>, <c>maxLength</c>, <c>minimum</c>/<c>maximum</c>, <c>anyOf</c>, <c>oneOf</c>,
/// <c>allOf</c> and local <c>$ref</c>s. Other keywords are not checked.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class JsonSchemaValidator
{
    /// <summary>Lists every way <paramref name="value"/> breaks <paramref name="schema"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="schema">The schema (object or boolean).</param>
    /// <returns>One message per violation, each naming its JSON path; empty when the value matches.</returns>
    public static IReadOnlyList<string> Validate(JsonElement value, JsonElement schema)
    {
        var errors = new List<string>();
        Check(value, schema, schema, "$", errors, 0);
        return errors;
    }

    /// <summary>Whether <paramref name="json"/> parses and matches <paramref name="schema"/>.</summary>
    /// <param name="json">JSON text.</param>
    /// <param name="schema">The schema.</param>
    /// <param name="errors">The violations, or the parse error.</param>
    /// <returns>True when it parses and matches.</returns>
    public static bool TryValidate(string json, JsonElement schema, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            errors = Validate(document.RootElement, schema);
        }
        catch (JsonException ex)
        {
            errors = [$"not JSON: {ex.Message}"];
        }

        return errors.Count == 0;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        if (depth > 64 || schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: the schema allows no value here.");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(value, LocalSchemaReference.Resolve(root, reference.GetString(), path), root, path, errors, depth + 1);
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(value, constant))
        {
            errors.Add($"{path}: {value.GetRawText()} is not the constant {constant.GetRawText()}.");
        }

        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(value, o)))
        {
            errors.Add($"{path}: {value.GetRawText()} is not one of {options.GetRawText()}.");
        }

        CheckBranches(value, schema, root, path, errors, depth);
        if (schema.TryGetProperty("type", out var type) && !MatchesType(value, type))
        {
            errors.Add($"{path}: {value.ValueKind} {value.GetRawText()} is not of type {type.GetRawText()}.");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.Array:
                CheckArray(value, schema, root, path, errors, depth);
                break;
            case JsonValueKind.String:
                if (schema.TryGetProperty("maxLength", out var maxLength) && maxLength.TryGetInt32(out int max) && CodePoints(value.GetString()!) > max)
                {
                    errors.Add($"{path}: the string is longer than maxLength {max}.");
                }

                break;
            case JsonValueKind.Number:
                double number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && minimum.ValueKind == JsonValueKind.Number && number < minimum.GetDouble())
                {
                    errors.Add($"{path}: {value.GetRawText()} is below minimum {minimum.GetRawText()}.");
                }

                if (schema.TryGetProperty("maximum", out var maximum) && maximum.ValueKind == JsonValueKind.Number && number > maximum.GetDouble())
                {
                    errors.Add($"{path}: {value.GetRawText()} is above maximum {maximum.GetRawText()}.");
                }

                break;
        }
    }

    private static void CheckBranches(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        int Matching(JsonElement branches) => branches.EnumerateArray().Count(b =>
        {
            var inner = new List<string>();
            Check(value, b, root, path, inner, depth + 1);
            return inner.Count == 0;
        });

        if (schema.TryGetProperty("anyOf", out var anyOf) && Matching(anyOf) == 0)
        {
            errors.Add($"{path}: {value.GetRawText()} matches none of anyOf.");
        }

        if (schema.TryGetProperty("oneOf", out var oneOf) && Matching(oneOf) is var n && n != 1)
        {
            errors.Add($"{path}: {value.GetRawText()} matches {n} branches of oneOf; exactly one must match.");
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var branch in allOf.EnumerateArray())
            {
                Check(value, branch, root, path, errors, depth + 1);
            }
        }
    }

    private static void CheckObject(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!).Where(n => !value.TryGetProperty(n, out _)))
            {
                errors.Add($"{path}: the required property '{name}' is missing.");
            }
        }

        bool closed = schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False;
        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, root, $"{path}.{property.Name}", errors, depth + 1);
            }
            else if (closed)
            {
                errors.Add($"{path}: the property '{property.Name}' is not allowed (additionalProperties is false).");
            }
        }
    }

    private static void CheckArray(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors, int depth)
    {
        int count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && min.TryGetInt32(out int lo) && count < lo)
        {
            errors.Add($"{path}: {count} items, fewer than minItems {lo}.");
        }

        if (schema.TryGetProperty("maxItems", out var max) && max.TryGetInt32(out int hi) && count > hi)
        {
            errors.Add($"{path}: {count} items, more than maxItems {hi}.");
        }

        if (schema.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False)
        {
            int i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, items, root, $"{path}[{i++}]", errors, depth + 1);
            }
        }
    }

    private static bool MatchesType(JsonElement value, JsonElement type)
    {
        var names = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()) : [type.GetString()];
        return names.Any(name => name switch
        {
            "string" => value.ValueKind == JsonValueKind.String,
            "number" => value.ValueKind == JsonValueKind.Number,
            "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "object" => value.ValueKind == JsonValueKind.Object,
            "array" => value.ValueKind == JsonValueKind.Array,
            "null" => value.ValueKind == JsonValueKind.Null,
            _ => false,
        });
    }

    private static bool IsInteger(JsonElement value) =>
        value.TryGetInt64(out _) || (double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && Math.Floor(d) == d);

    /// <summary>JSON Schema counts string length in code points, not UTF-16 units.</summary>
    private static int CodePoints(string text) => text.EnumerateRunes().Count();
}
