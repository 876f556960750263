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

        Assert.Equal(new EvalScore(ExactMatch: true, WellFormedCall: true, CarriesToolValues: false, Correct: true), score);
    }

    [Fact]
    public void Call_with_a_wrong_argument_is_well_formed_but_not_exact()
    {
        var score = EvalScore.Of(CallCase(), "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Bergen\"}}</tool_call>", ChatMlPromptFormat.Instance);

        Assert.False(score.ExactMatch);
        Assert.True(score.WellFormedCall);
        Assert.False(score.Correct);
    }

    [Fact]
    public void Broken_call_is_neither_exact_nor_well_formed()
    {
        var score = EvalScore.Of(CallCase(), "<tool_call>{\"name\":\"get_weather\",", ChatMlPromptFormat.Instance);

        Assert.Equal(new EvalScore(false, false, false, false), score);
    }

    [Fact]
    public void Answer_carries_the_tool_values_when_each_appears_in_the_text()
    {
        var good = EvalScore.Of(AnswerCase(), "Oslo has 4 degrees right now.<|im_end|>", ChatMlPromptFormat.Instance);
        var bad = EvalScore.Of(AnswerCase(), "Oslo is cold.<|im_end|>", ChatMlPromptFormat.Instance);

        Assert.True(good.CarriesToolValues);
        Assert.True(good.Correct);
        Assert.False(good.ExactMatch);
        Assert.False(bad.CarriesToolValues);
        Assert.False(bad.Correct);
    }

    [Theory]
    [InlineData("capital", "Name the capital of Chile.", "Santiago.", "Santiago is where the government sits.", true)]
    [InlineData("capital", "Name the capital of Chile.", "Santiago.", "It is Lima.", false)]
    [InlineData("arithmetic", "Quick math: 9 * 7", "9 * 7 = 63.", "The answer is 63.", true)]
    [InlineData("arithmetic", "Quick math: 9 * 7", "9 * 7 = 63.", "9 * 7 = 56.", false)]
    [InlineData("sort", "sort: pear apple", "apple pear", "apple pear.", true)]
    [InlineData("reverse", "reverse: pear apple", "apple pear", "pear apple", false)]
    [InlineData("greeting", "Yo", "Hello!", "Hi there! How can I help?", true)]
    [InlineData("greeting", "Yo", "Hello!", "<tool_call>{\"name\":\"get_weather\",\"arguments\":{}}</tool_call>", false)]
    public void Plain_replies_are_correct_when_they_carry_the_expected_content(string family, string question, string expected, string generated, bool correct)
    {
        var evalCase = new EvalCase(family, [ChatTurn.User(question)], [], ChatTurn.Assistant(expected));

        Assert.Equal(correct, EvalScore.Of(evalCase, generated, ChatMlPromptFormat.Instance).Correct);
    }
}
