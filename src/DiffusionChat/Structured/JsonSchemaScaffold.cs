using System.Text.Json;
using DiffusionChat.Prompting;

namespace DiffusionChat.Structured;

/// <summary>
/// Lays out the canvas of a JSON value from its JSON schema (as <c>AIFunction.JsonSchema</c> and
/// <c>ChatResponseFormatJson.Schema</c> give it): braces, keys, quotes and commas as fixed text, and a typed slot or
/// choice wherever the schema leaves a value open. Self-adaptive schema scaffolding (S3, arXiv 2507.04504) with the
/// variable-length values grown by the filler instead of fixed-size slots.
/// </summary>
/// <remarks>
/// <para>Understood: <c>type</c> (one or a list; <c>"null"</c> in a list makes the value nullable), <c>enum</c>,
/// <c>const</c>, <c>properties</c> (every listed property is written, in schema order, whether <c>required</c> or not),
/// <c>items</c>, <c>minItems</c>/<c>maxItems</c>, <c>maxLength</c>, <c>minimum</c>/<c>maximum</c>, <c>anyOf</c>/<c>oneOf</c>
/// (branches become alternatives) and local <c>$ref</c>s (<c>#/...</c>). A schema that names no type (<c>{}</c>, or
/// <c>true</c>) becomes a string. Not enforced while writing: <c>pattern</c>, <c>format</c>, <c>minLength</c>,
/// <c>exclusiveMinimum</c>/<c>exclusiveMaximum</c>, <c>multipleOf</c>.</para>
/// <para>Stateless and thread-safe; the schema is only read.</para>
/// </remarks>
public static class JsonSchemaScaffold
{
    private static readonly string[] Digits = ["-", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>Builds the canvas of a value matching <paramref name="schema"/>.</summary>
    /// <param name="schema">A JSON schema (object or boolean <c>true</c>).</param>
    /// <param name="limits">Bounds for what the schema leaves open; defaults when null.</param>
    /// <returns>The canvas.</returns>
    /// <exception cref="ArgumentException">The schema is not an object, names an unknown type, has an empty <c>enum</c> or a <c>$ref</c> that does not resolve.</exception>
    /// <exception cref="NotSupportedException">The schema nests deeper than <see cref="ScaffoldLimits.MaxDepth"/> (e.g. a recursive <c>$ref</c>).</exception>
    public static CanvasNode Build(JsonElement schema, ScaffoldLimits? limits = null)
    {
        var bounds = limits ?? new ScaffoldLimits();
        bounds.Validate();
        return Node(schema, schema, bounds, 0, "#");
    }

    /// <summary>
    /// The texts an option can open with, as a filler is asked to score them: its fixed text up to the first slot or
    /// choice, or for a number the characters a number can start with.
    /// </summary>
    /// <param name="node">A canvas node.</param>
    /// <returns>Non-empty opening texts.</returns>
    /// <exception cref="ArgumentException">The node can open with no text (an empty option).</exception>
    public static IReadOnlyList<string> OpeningTexts(CanvasNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var (text, _, next) = LeadingFixedText(node);
        if (text.Length > 0)
        {
            return [text];
        }

        return next switch
        {
            NumberSlot => Digits,
            Alternatives a => a.Options.SelectMany(OpeningTexts).Distinct(StringComparer.Ordinal).ToList(),
            BoundedRepeat r => OpeningTexts(r.Item),
            _ => throw new ArgumentException($"An option opens with {(next is null ? "no text at all" : "a " + next.GetType().Name)}; every option must start with fixed text, a number or a choice.", nameof(node)),
        };
    }

    /// <summary>The fixed text a node starts with (through nested sequences), whether the node is nothing but that text, and the first node after it.</summary>
    private static (string Text, bool Complete, CanvasNode? Next) LeadingFixedText(CanvasNode node)
    {
        switch (node)
        {
            case FixedText f:
                return (f.Text, true, null);
            case CanvasSequence s:
                var text = new System.Text.StringBuilder();
                foreach (var part in s.Parts)
                {
                    var (partText, complete, next) = LeadingFixedText(part);
                    text.Append(partText);
                    if (!complete)
                    {
                        return (text.ToString(), false, next);
                    }
                }

                return (text.ToString(), true, null);
            default:
                return ("", false, node);
        }
    }

    private static CanvasNode Node(JsonElement schema, JsonElement root, ScaffoldLimits limits, int depth, string path)
    {
        if (depth > limits.MaxDepth)
        {
            throw new NotSupportedException($"The schema nests deeper than {limits.MaxDepth} levels at {path} (a recursive $ref?); raise ScaffoldLimits.MaxDepth or flatten the schema.");
        }

        if (schema.ValueKind == JsonValueKind.True)
        {
            return StringNode(null, limits);
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The schema at {path} must be a JSON object (or true), found {schema.ValueKind}.", nameof(schema));
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            return Node(LocalSchemaReference.Resolve(root, reference.GetString(), path), root, limits, depth + 1, reference.GetString()!);
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            return new FixedText(TemplateJson.Write(constant));
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            var options = values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().Select(v => (CanvasNode)new FixedText(TemplateJson.Write(v))).ToList() : [];
            return options.Count > 0 ? Choice(options) : throw new ArgumentException($"The schema at {path} has an enum with no values; give at least one.", nameof(schema));
        }

        foreach (var keyword in (string[])["anyOf", "oneOf"])
        {
            if (schema.TryGetProperty(keyword, out var branches) && branches.ValueKind == JsonValueKind.Array && branches.GetArrayLength() > 0)
            {
                return Choice(branches.EnumerateArray().Select((b, i) => Node(b, root, limits, depth + 1, $"{path}/{keyword}/{i}")).ToList());
            }
        }

        var (types, nullable) = Types(schema, path);
        var typed = types.Select(t => TypedNode(t, schema, root, limits, depth, path)).ToList();
        if (nullable)
        {
            typed.Add(new FixedText("null"));
        }

        return Choice(typed);
    }

    private static CanvasNode Choice(List<CanvasNode> options) => options.Count == 1 ? options[0] : new Alternatives(options);

    private static (List<string> Types, bool Nullable) Types(JsonElement schema, string path)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            bool looksLikeObject = schema.TryGetProperty("properties", out _);
            bool looksLikeArray = schema.TryGetProperty("items", out _);
            return ([looksLikeObject ? "object" : looksLikeArray ? "array" : "string"], false);
        }

        var names = type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString() ?? "").ToList()
            : [type.GetString() ?? ""];
        var known = new[] { "string", "number", "integer", "boolean", "object", "array", "null" };
        var unknown = names.FirstOrDefault(n => !known.Contains(n));
        if (unknown is not null || names.Count == 0)
        {
            throw new ArgumentException($"The schema at {path} has type '{unknown ?? "[]"}'; allowed: {string.Join(", ", known)}.", "schema");
        }

        var nonNull = names.Where(n => n != "null").Distinct().ToList();
        return nonNull.Count == 0 ? (["null"], false) : (nonNull, names.Contains("null"));
    }

    private static CanvasNode TypedNode(string type, JsonElement schema, JsonElement root, ScaffoldLimits limits, int depth, string path) => type switch
    {
        "string" => StringNode(schema, limits),
        "number" => new NumberSlot(false, Bound(schema, "minimum"), Bound(schema, "maximum"), limits.NumberMaxTokens),
        "integer" => new NumberSlot(true, Bound(schema, "minimum") ?? limits.IntegerMinimum, Bound(schema, "maximum") ?? limits.IntegerMaximum, limits.NumberMaxTokens),
        "boolean" => new Alternatives([new FixedText("true"), new FixedText("false")]),
        "null" => new FixedText("null"),
        "object" => ObjectNode(schema, root, limits, depth, path),
        _ => ArrayNode(schema, root, limits, depth, path),
    };

    private static CanvasSequence StringNode(JsonElement? schema, ScaffoldLimits limits)
    {
        int? maxLength = schema is { } s && s.TryGetProperty("maxLength", out var m) && m.TryGetInt32(out int max) ? Math.Max(max, 0) : null;
        return new CanvasSequence([new FixedText("\""), new StringSlot(Math.Max(1, Math.Min(limits.StringMaxTokens, maxLength ?? int.MaxValue)), maxLength), new FixedText("\"")]);
    }

    private static double? Bound(JsonElement schema, string name) =>
        schema.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static CanvasSequence ObjectNode(JsonElement schema, JsonElement root, ScaffoldLimits limits, int depth, string path)
    {
        var parts = new List<CanvasNode> { new FixedText("{") };
        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            bool first = true;
            foreach (var property in properties.EnumerateObject())
            {
                parts.Add(new FixedText((first ? "" : ",") + TemplateJson.Write(property.Name) + ":"));
                parts.Add(Node(property.Value, root, limits, depth + 1, $"{path}/properties/{property.Name}"));
                first = false;
            }
        }

        parts.Add(new FixedText("}"));
        return new CanvasSequence(parts);
    }

    private static CanvasSequence ArrayNode(JsonElement schema, JsonElement root, ScaffoldLimits limits, int depth, string path)
    {
        int min = schema.TryGetProperty("minItems", out var lo) && lo.TryGetInt32(out int l) ? Math.Max(l, 0) : 0;
        int max = schema.TryGetProperty("maxItems", out var hi) && hi.TryGetInt32(out int h) ? Math.Max(h, 0) : Math.Max(limits.MaxArrayItems, min);
        if (max < min)
        {
            throw new ArgumentException($"The schema at {path} has maxItems {max} below minItems {min}; no array can match it.", "schema");
        }

        if (max == 0)
        {
            return new CanvasSequence([new FixedText("[]")]);
        }

        var item = schema.TryGetProperty("items", out var items) && items.ValueKind is JsonValueKind.Object or JsonValueKind.True
            ? Node(items, root, limits, depth + 1, path + "/items")
            : StringNode(null, limits);
        return new CanvasSequence([new FixedText("["), new BoundedRepeat(item, ",", "]", Math.Max(min, 1), max)]);
    }
}
