using System.Text.Json;
using DiffusionChat.Prompting;
using DiffusionChat.Structured;

namespace DiffusionChat.Tests.Structured;

public class JsonSchemaScaffoldTests
{
    [Fact]
    public void Object_schema_lays_out_braces_keys_and_quotes_as_fixed_text_around_a_string_slot()
    {
        var canvas = Build("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");

        var text = ScaffoldWriter.Write(canvas, new ConstantFiller("Oslo", "7"));

        Assert.Equal("""{"city":"Oslo"}""", text);
    }

    [Fact]
    public void An_integer_without_bounds_stays_within_the_range_of_int_so_a_typed_result_deserializes()
    {
        var canvas = Build("""{"type":"object","properties":{"age":{"type":"integer"}}}""");

        var text = ScaffoldWriter.Write(canvas, new ConstantFiller("", "-14000000000"));

        Assert.Equal("""{"age":-2147483648}""", text);
    }

    [Fact]
    public void Enum_values_are_alternatives_scored_by_their_json_literals()
    {
        var canvas = Build("""{"enum":["red","green",3,null]}""");

        var alternatives = Assert.IsType<Alternatives>(canvas);
        Assert.Equal(["\"red\"", "\"green\"", "3", "null"], alternatives.Options.Select(o => ((FixedText)o).Text));
    }

    [Fact]
    public void Nullable_type_offers_null_besides_the_value()
    {
        var filler = new ConstantFiller("x", "5") { Pick = openings => openings.ToList().IndexOf("null") };

        var text = ScaffoldWriter.Write(Build("""{"type":["integer","null"]}"""), filler);

        Assert.Equal("null", text);
        Assert.Contains("null", filler.Offered.Single());
        Assert.Contains("7", filler.Offered.Single()); // a number opens with a digit or a minus
    }

    [Fact]
    public void Local_refs_are_followed()
    {
        var canvas = Build("""{"type":"object","properties":{"home":{"$ref":"#/$defs/place"}},"$defs":{"place":{"type":"object","properties":{"name":{"type":"string"}}}}}""");

        Assert.Equal("""{"home":{"name":"Oslo"}}""", ScaffoldWriter.Write(canvas, new ConstantFiller("Oslo", "1")));
    }

    [Fact]
    public void Recursive_refs_are_refused_with_the_depth_limit_named()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Build("""{"type":"object","properties":{"next":{"$ref":"#"}}}"""));

        Assert.Contains("MaxDepth", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_type_is_refused_naming_it_and_the_allowed_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build("""{"type":"date"}"""));

        Assert.Contains("'date'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("integer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unresolvable_ref_is_refused_naming_it()
    {
        var ex = Assert.Throws<ArgumentException>(() => Build("""{"$ref":"#/$defs/missing"}"""));

        Assert.Contains("#/$defs/missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Array_count_stops_when_the_filler_prefers_the_closing_bracket()
    {
        int asked = 0;
        var filler = new ConstantFiller("a", "1") { Pick = openings => openings.SequenceEqual([",", "]"]) && ++asked == 2 ? 1 : 0 };

        var text = ScaffoldWriter.Write(Build("""{"type":"array","items":{"type":"string"},"maxItems":5}"""), filler);

        Assert.Equal("""["a","a"]""", text);
    }

    [Fact]
    public void Array_never_exceeds_max_items_even_when_the_filler_wants_more()
    {
        var filler = new ConstantFiller("a", "1") { Pick = _ => 0 };

        var text = ScaffoldWriter.Write(Build("""{"type":"array","items":{"type":"integer"},"maxItems":3}"""), filler);

        Assert.Equal("[1,1,1]", text);
    }

    [Fact]
    public void String_values_are_escaped_so_quotes_and_backslashes_stay_inside_the_string()
    {
        var text = ScaffoldWriter.Write(Build("""{"type":"string"}"""), new ConstantFiller("say \"hi\\", "1"));

        Assert.Equal("say \"hi\\", JsonDocument.Parse(text).RootElement.GetString());
    }

    [Fact]
    public void Numbers_are_repaired_to_the_grammar_and_clamped_into_the_bounds()
    {
        var canvas = Build("""{"type":"object","properties":{"a":{"type":"integer","minimum":1,"maximum":10},"b":{"type":"number"},"c":{"type":"integer"}}}""");
        var values = new Queue<string>(["42", "-.5x", "3.75"]);

        var text = ScaffoldWriter.Write(canvas, new ConstantFiller("", "") { NumberText = () => values.Dequeue() });

        Assert.Equal("""{"a":10,"b":0,"c":3}""", text);
    }

    [Fact]
    public void Tool_call_canvas_is_the_models_format_with_the_tool_chosen_among_the_offered_ones()
    {
        var filler = new ConstantFiller("Tromsø", "1") { Pick = openings => openings.ToList().FindIndex(o => o.StartsWith("\"get_time\"", StringComparison.Ordinal)) };

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(DemoTools), filler);

        Assert.Equal("<tool_call>{\"name\":\"get_time\",\"arguments\":{\"city\":\"Tromsø\"}}</tool_call>", text);
        Assert.Equal(["\"get_weather\",\"arguments\":{\"city\":\"", "\"get_time\",\"arguments\":{\"city\":\""], filler.Offered.Single());
        var call = Assert.Single(AssistantReplyParser.Parse(text).ToolCalls);
        Assert.Equal("get_time", call.Name);
    }

    [Fact]
    public void Required_tool_leaves_no_choice()
    {
        var filler = new ConstantFiller("Oslo", "1");

        var text = ScaffoldWriter.Write(ToolCallScaffold.Build(DemoTools, "get_weather"), filler);

        Assert.StartsWith("<tool_call>{\"name\":\"get_weather\"", text, StringComparison.Ordinal);
        Assert.Empty(filler.Offered);
    }

    [Fact]
    public void Required_tool_that_is_not_offered_is_refused_naming_the_offered_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => ToolCallScaffold.Build(DemoTools, "get_news"));

        Assert.Contains("get_news", ex.Message, StringComparison.Ordinal);
        Assert.Contains("get_weather, get_time", ex.Message, StringComparison.Ordinal);
    }

    internal static readonly IReadOnlyList<ToolDefinition> DemoTools =
    [
        new("get_weather", "Get the current weather for a city.", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
        new("get_time", "Get the current local time in a city.", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"""),
    ];

    private static CanvasNode Build(string schema)
    {
        using var document = JsonDocument.Parse(schema);
        return JsonSchemaScaffold.Build(document.RootElement);
    }
}
