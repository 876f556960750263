using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Prompting;
using DiffusionChat.Structured;
using FsCheck.Xunit;

namespace DiffusionChat.Tests.Structured;

/// <summary>
/// Structure by construction: for any schema (nesting, arrays, enums, numbers with bounds, booleans, nullable values,
/// anyOf) and whatever a filler returns (quotes, backslashes, control characters, non-ASCII text, malformed numbers,
/// any choice), the written canvas parses as JSON and validates against the schema.
/// </summary>
public class ScaffoldValidityProperties
{
    [Property(MaxTest = 400)]
    public void Any_filled_canvas_parses_and_matches_its_schema(int seed)
    {
        var random = new Random(seed);
        var schema = RandomSchema(random, depth: 0);
        using var document = JsonDocument.Parse(schema.ToJsonString());

        var text = ScaffoldWriter.Write(JsonSchemaScaffold.Build(document.RootElement), new RandomFiller(random));

        Assert.True(JsonSchemaValidator.TryValidate(text, document.RootElement, out var errors), $"{schema.ToJsonString()}\n{text}\n{string.Join("\n", errors)}");
    }

    [Property(MaxTest = 200)]
    public void Any_filled_tool_call_parses_as_one_call_to_an_offered_tool_with_schema_valid_arguments(int seed)
    {
        var random = new Random(seed);
        var tools = Enumerable.Range(0, random.Next(1, 4))
            .Select(i => new ToolDefinition("tool_" + i + (random.Next(2) == 0 ? "_get" : ""), "A tool.", Object(random, depth: 1).ToJsonString()))
            .ToList();

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(tools), new RandomFiller(random));

        var call = Assert.Single(AssistantReplyParser.Parse(text).ToolCalls);
        var tool = Assert.Single(tools, t => t.Name == call.Name);
        using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
        Assert.True(JsonSchemaValidator.TryValidate(call.ArgumentsJson, schema.RootElement, out var errors), $"{tool.ParametersSchemaJson}\n{text}\n{string.Join("\n", errors)}");
    }

    [Fact]
    public void The_validator_is_not_vacuous_it_rejects_what_breaks_the_schema()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"n":{"type":"integer","maximum":3},"e":{"enum":["a","b"]},"l":{"type":"array","items":{"type":"boolean"},"maxItems":1}},"required":["n","e"],"additionalProperties":false}""");

        Assert.True(JsonSchemaValidator.TryValidate("""{"n":3,"e":"a","l":[true]}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":4,"e":"a"}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1.5,"e":"a"}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1,"e":"c"}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1,"e":"a","l":[true,false]}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1,"e":"a","x":0}""", schema.RootElement, out _));
        Assert.False(JsonSchemaValidator.TryValidate("""{"n":1,"e":"a""", schema.RootElement, out _));
    }

    private static JsonObject RandomSchema(Random random, int depth)
    {
        int kind = random.Next(depth >= 3 ? 6 : 9);
        var schema = kind switch
        {
            0 => new JsonObject { ["type"] = "string" },
            1 => Bounded(new JsonObject { ["type"] = "integer" }, random),
            2 => Bounded(new JsonObject { ["type"] = "number" }, random),
            3 => new JsonObject { ["type"] = "boolean" },
            4 => new JsonObject { ["enum"] = new JsonArray([.. Enumerable.Range(0, random.Next(1, 4)).Select(i => (JsonNode?)JsonValue.Create(RandomText(random) + i))]) },
            5 => new JsonObject { ["type"] = "string", ["maxLength"] = random.Next(0, 5) },
            6 => Object(random, depth),
            7 => Array(random, depth),
            _ => new JsonObject { ["anyOf"] = new JsonArray(RandomSchema(random, depth + 1), new JsonObject { ["type"] = "null" }) },
        };
        if (random.Next(5) == 0 && schema["type"] is JsonValue type)
        {
            schema["type"] = new JsonArray(type.GetValue<string>(), "null");
        }

        return schema;
    }

    private static JsonObject Object(Random random, int depth)
    {
        var properties = new JsonObject();
        int count = random.Next(0, 4);
        for (int i = 0; i < count; i++)
        {
            properties[RandomText(random) + i] = RandomSchema(random, depth + 1);
        }

        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. properties.Select(p => (JsonNode?)JsonValue.Create(p.Key))]),
            ["additionalProperties"] = false,
        };
    }

    private static JsonObject Array(Random random, int depth)
    {
        var schema = new JsonObject { ["type"] = "array", ["items"] = RandomSchema(random, depth + 1) };
        int min = random.Next(0, 3);
        if (random.Next(2) == 0)
        {
            schema["minItems"] = min;
        }

        if (random.Next(2) == 0)
        {
            schema["maxItems"] = min + random.Next(0, 3);
        }

        return schema;
    }

    private static JsonObject Bounded(JsonObject schema, Random random)
    {
        if (random.Next(2) == 0)
        {
            double low = random.Next(-50, 50) / (random.Next(2) == 0 ? 1.0 : 4.0);
            schema["minimum"] = low;
            schema["maximum"] = low + random.Next(1, 20);
        }

        return schema;
    }

    private static string RandomText(Random random)
    {
        string[] pieces = ["a", "Tromsø", "São Paulo", "\"", "\\", "\\u00e9", "\n", "\u0001", "日本", "😀", " ", "}", "]", ",", ":", "null", "\\\"", "<tool_call>"];
        var text = new StringBuilder();
        int count = random.Next(0, 5);
        for (int i = 0; i < count; i++)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }

    /// <summary>Returns whatever a careless model might: any choice, any string text, numbers right or malformed.</summary>
    private sealed class RandomFiller(Random random) : IScaffoldFiller
    {
        public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken) => random.Next(openings.Count);

        public string FillString(string written, StringSlot slot, CancellationToken cancellationToken) => RandomText(random);

        public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken)
        {
            string[] numbers = ["0", "-7", "12.5", "007", "-", "1.", ".5", "1e5", "abc", "", "-0", "99999999999999999999", "3.14159"];
            return random.Next(3) == 0 ? RandomText(random) : numbers[random.Next(numbers.Length)] + (random.Next(4) == 0 ? random.Next(100).ToString(CultureInfo.InvariantCulture) : "");
        }
    }
}
