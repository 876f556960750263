using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Evaluation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Training;

public sealed class RealisticScoreTests
{
    private static readonly AppToolDefinition Weather = new("weather", "WeatherPlugin-GetCurrentWeather", "Gets the weather.", "location", "");

    private static AppScenario Scenario(string place = "Tromsø") => new("weather", null, $"Weather in {place}?", [Weather], Weather, place, PlaceKind.Diacritics,
        "partly cloudy, -3.5 °C", ["-3.5", "partly cloudy"], $"It is partly cloudy and -3.5 degrees in {place}.", []);

    private static ChatResponse Called(string name, string parameter, string value) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", name, new Dictionary<string, object?> { [parameter] = value })]));

    [Fact]
    public void A_call_of_the_needed_tool_with_the_place_under_its_parameter_is_right()
    {
        Assert.Equal((true, true), RealisticScore.Call(Scenario(), Called("WeatherPlugin-GetCurrentWeather", "location", "Tromsø")));
    }

    [Fact]
    public void A_cut_place_a_renamed_parameter_or_another_tool_is_a_well_formed_wrong_call()
    {
        Assert.Equal((false, true), RealisticScore.Call(Scenario(), Called("WeatherPlugin-GetCurrentWeather", "location", "Troms")));
        Assert.Equal((false, true), RealisticScore.Call(Scenario(), Called("WeatherPlugin-GetCurrentWeather", "city", "Tromsø")));
        Assert.Equal((false, true), RealisticScore.Call(Scenario(), Called("get_weather", "location", "Tromsø")));
    }

    [Fact]
    public void Text_instead_of_a_call_is_not_a_call()
    {
        Assert.Equal((false, false), RealisticScore.Call(Scenario(), new ChatResponse(new ChatMessage(ChatRole.Assistant, "<tool_call>{\"name"))));
    }

    [Fact]
    public void A_place_in_decomposed_unicode_is_the_same_place()
    {
        var decomposed = "Tromsø São".Normalize(System.Text.NormalizationForm.FormD);

        Assert.True(RealisticScore.Call(Scenario("Tromsø São"), Called("WeatherPlugin-GetCurrentWeather", "location", decomposed)).Correct);
    }

    [Fact]
    public void An_answer_is_right_when_it_carries_every_returned_value_and_makes_no_call()
    {
        Assert.True(RealisticScore.Answer(Scenario(), new ChatResponse(new ChatMessage(ChatRole.Assistant, "It is Partly Cloudy and -3.5 degrees in Tromsø."))));
        Assert.False(RealisticScore.Answer(Scenario(), new ChatResponse(new ChatMessage(ChatRole.Assistant, "It is partly cloudy and 3 degrees in Tromsø."))));
        Assert.False(RealisticScore.Answer(Scenario(), Called("WeatherPlugin-GetCurrentWeather", "location", "-3.5 partly cloudy")));
    }
}
