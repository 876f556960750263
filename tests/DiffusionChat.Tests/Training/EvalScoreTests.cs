using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Evaluation;

namespace DiffusionChat.Tests.Training;

public class EvalScoreTests
{
    private static readonly ToolDefinition Weather = new("get_weather", "Weather", "{\"type\":\"object\"}");

    private static EvalCase CallCase() => new("weather/call", [ChatTurn.User("Weather in Oslo?")], [Weather],
        ChatTurn.Assistant("", new ToolCall("get_weather", "{\"city\":\"Oslo\"}")));

    private static EvalCase AnswerCase() => new("weather/answer",
        [ChatTurn.User("Weather in Oslo?"), ChatTurn.Assistant("", new ToolCall("get_weather", "{\"city\":\"Oslo\"}")), ChatTurn.Tool(new ToolResult("{\"city\":\"Oslo\",\"temperature_c\":4}"))],
        [Weather], ChatTurn.Assistant("It is 4 degrees in Oslo."));

    [Fact]
    public void Tool_call_with_the_copied_argument_is_an_exact_well_formed_match()
    {
        var score = EvalScore.Of(CallCase(), "<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}</tool_call><|im_end|>", ChatMlPromptFormat.Instance);

        Assert.Equal(new EvalScore(ExactMatch: true, WellFormedCall: true, CarriesToolValues: false), score);
    }

    [Fact]
    public void Call_with_a_wrong_argument_is_well_formed_but_not_exact()
    {
        var score = EvalScore.Of(CallCase(), "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Bergen\"}}</tool_call>", ChatMlPromptFormat.Instance);

        Assert.False(score.ExactMatch);
        Assert.True(score.WellFormedCall);
    }

    [Fact]
    public void Broken_call_is_neither_exact_nor_well_formed()
    {
        var score = EvalScore.Of(CallCase(), "<tool_call>{\"name\":\"get_weather\",", ChatMlPromptFormat.Instance);

        Assert.Equal(new EvalScore(false, false, false), score);
    }

    [Fact]
    public void Answer_carries_the_tool_values_when_each_appears_in_the_text()
    {
        var good = EvalScore.Of(AnswerCase(), "Oslo has 4 degrees right now.<|im_end|>", ChatMlPromptFormat.Instance);
        var bad = EvalScore.Of(AnswerCase(), "Oslo is cold.<|im_end|>", ChatMlPromptFormat.Instance);

        Assert.True(good.CarriesToolValues);
        Assert.False(good.ExactMatch);
        Assert.False(bad.CarriesToolValues);
    }
}
