using DiffusionChat.Chat;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Chat;

public class ChatTurnMapperTests
{
    [Fact]
    public void Instructions_and_system_messages_merge_into_one_leading_system_turn()
    {
        var turns = ChatTurnMapper.Map([new(ChatRole.System, "Be brief."), new(ChatRole.User, "Hi")], "Answer in English.");

        Assert.Equal(ChatTurnRole.System, turns[0].Role);
        Assert.Equal("Answer in English.\n\nBe brief.", turns[0].Text);
        Assert.Equal(ChatTurn.User("Hi"), turns[1]);
    }

    [Fact]
    public void Function_call_and_result_round_trip_into_tool_turns()
    {
        var call = new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" });
        var turns = ChatTurnMapper.Map(
        [
            new(ChatRole.User, "Weather in Oslo?"),
            new(ChatRole.Assistant, [call]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "4 C")]),
        ], null);

        Assert.Equal("get_weather", turns[1].ToolCalls.Single().Name);
        Assert.Equal("{\"city\":\"Oslo\"}", turns[1].ToolCalls.Single().ArgumentsJson);
        Assert.Equal("4 C", turns[2].ToolResults.Single().Content);
    }

    [Theory]
    [InlineData("\"{\\\"city\\\":\\\"Oslo\\\"}\"", "{\"city\":\"Oslo\"}")] // a JSON string (a .NET function's string return value): its text
    [InlineData("{\"city\":\"Oslo\"}", "{\"city\":\"Oslo\"}")] // a JSON object: as written
    [InlineData("4", "4")]
    public void Tool_results_given_as_json_elements_render_as_the_tool_wrote_them(string resultJson, string rendered)
    {
        var call = new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" });
        var result = System.Text.Json.JsonDocument.Parse(resultJson).RootElement;

        var turns = ChatTurnMapper.Map(
        [
            new(ChatRole.User, "Weather in Oslo?"),
            new(ChatRole.Assistant, [call]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", result)]),
        ], null);

        Assert.Equal(rendered, turns[2].ToolResults.Single().Content);
    }

    [Fact]
    public void Tool_result_for_an_unknown_call_id_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatTurnMapper.Map(
            [new(ChatRole.User, "x"), new(ChatRole.Tool, [new FunctionResultContent("nope", "1")])], null));

        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_content_is_not_supported()
    {
        var message = new ChatMessage(ChatRole.User, [new TextContent("look"), new DataContent(new byte[] { 1, 2 }, "image/png")]);

        var ex = Assert.Throws<NotSupportedException>(() => ChatTurnMapper.Map([message], null));

        Assert.Contains("DataContent", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    public void Empty_or_whitespace_user_message_is_rejected(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatTurnMapper.Map([new(ChatRole.User, text)], null));

        Assert.Contains("no text", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_system_message_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatTurnMapper.Map([new(ChatRole.System, "rules")], null));

        Assert.Contains("at least one user message", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_message_list_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ChatTurnMapper.Map([], null));
        Assert.Throws<ArgumentNullException>(() => ChatTurnMapper.Map(null!, null));
    }

    [Fact]
    public void Tool_with_non_object_schema_is_rejected_by_name()
    {
        var broken = new BrokenSchemaFunction("get_weather", System.Text.Json.JsonDocument.Parse("[1]").RootElement);

        var ex = Assert.Throws<ArgumentException>(() => ChatTurnMapper.MapTools([broken]));

        Assert.Contains("get_weather", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Caller_messages_are_not_mutated()
    {
        var messages = new List<ChatMessage> { new(ChatRole.User, "Hi") };

        ChatTurnMapper.Map(messages, "extra");

        Assert.Single(messages);
        Assert.Equal("Hi", messages[0].Text);
    }

    private sealed class BrokenSchemaFunction(string name, System.Text.Json.JsonElement schema) : AIFunctionDeclaration
    {
        public override string Name => name;

        public override System.Text.Json.JsonElement JsonSchema => schema;
    }
}
