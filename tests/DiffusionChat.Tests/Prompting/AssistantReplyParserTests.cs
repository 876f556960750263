using DiffusionChat.Prompting;

namespace DiffusionChat.Tests.Prompting;

public sealed class AssistantReplyParserTests
{
    [Fact]
    public void Plain_text_has_no_tool_calls()
    {
        var reply = AssistantReplyParser.Parse("Hello there!<|im_end|>\n<|im_start|>user\nignored");

        Assert.Equal("Hello there!", reply.Text);
        Assert.Empty(reply.ToolCalls);
    }

    [Fact]
    public void Reads_name_and_arguments_of_each_tool_call_in_order()
    {
        var reply = AssistantReplyParser.Parse(
            "Checking.\n<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Lima\"}}</tool_call>\n<tool_call>{\"name\":\"get_time\",\"arguments\":{}}</tool_call><|im_end|>");

        Assert.Equal("Checking.", reply.Text);
        Assert.Equal([new ToolCall("get_weather", """{"city":"Lima"}"""), new ToolCall("get_time", "{}")], reply.ToolCalls);
    }

    [Fact]
    public void Parsing_inverts_rendering_of_an_assistant_turn()
    {
        var turn = ChatTurn.Assistant("Sure.", new ToolCall("convert", """{"amount":3.5,"units":["km","mi"]}"""));

        var reply = AssistantReplyParser.Parse(ChatMlPromptFormat.Instance.AssistantBody(turn) + ChatMarkers.TurnEnd);

        Assert.Equal(turn.Text, reply.Text);
        Assert.Equal(turn.ToolCalls, reply.ToolCalls);
    }

    [Fact]
    public void Missing_arguments_mean_an_empty_object()
    {
        var reply = AssistantReplyParser.Parse("<tool_call>{\"name\":\"get_time\"}</tool_call>");

        Assert.Equal("{}", reply.ToolCalls[0].ArgumentsJson);
    }

    [Theory]
    [InlineData("<tool_call>{\"name\":\"f\",\"arguments\":{}}", "never closed")]
    [InlineData("<tool_call>{\"name\":\"f\",</tool_call>", "not valid JSON")]
    [InlineData("<tool_call>[1,2]</tool_call>", "JSON object")]
    [InlineData("<tool_call>{\"arguments\":{}}</tool_call>", "\"name\"")]
    [InlineData("<tool_call>{\"name\":\"f\",\"arguments\":\"city=Oslo\"}</tool_call>", "arguments")]
    [InlineData("done</tool_call>", "without a matching")]
    public void Malformed_tool_calls_raise_a_format_error_naming_the_problem(string output, string expected)
    {
        var ex = Assert.Throws<ToolCallFormatException>(() => AssistantReplyParser.Parse(output));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
