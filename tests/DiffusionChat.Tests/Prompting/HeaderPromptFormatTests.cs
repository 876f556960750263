using DiffusionChat.Prompting;

namespace DiffusionChat.Tests.Prompting;

public class HeaderPromptFormatTests
{
    private readonly HeaderPromptFormat format = new("<|startoftext|>", "<|endoftext|>");

    [Fact]
    public void Renders_the_llada_instruct_layout_with_bos_once_and_open_assistant_header()
    {
        var text = format.Render([ChatTurn.System("Be brief."), ChatTurn.User(" Hi ")], []);

        Assert.Equal(
            "<|startoftext|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            text);
    }

    [Fact]
    public void Reply_is_cut_at_end_of_turn_and_tool_calls_are_parsed()
    {
        var reply = format.ParseReply("<tool_call>{\"name\":\"f\",\"arguments\":{\"a\":1}}</tool_call><|eot_id|>garbage");

        Assert.Equal("f", reply.ToolCalls.Single().Name);
        Assert.Equal("", reply.Text);
    }

    [Fact]
    public void Tools_are_described_in_the_system_turn()
    {
        var text = format.Render([ChatTurn.User("x")], [new ToolDefinition("get_time", "Time in a city", "{\"type\":\"object\"}")]);

        Assert.Contains("<tools>\n{\"name\":\"get_time\"", text, StringComparison.Ordinal);
        Assert.StartsWith("<|startoftext|><|start_header_id|>system<|end_header_id|>", text, StringComparison.Ordinal);
    }
}
