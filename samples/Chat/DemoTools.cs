using Microsoft.Extensions.AI;

namespace DiffusionChat.Samples.Chat;

/// <summary>
/// The weather and clock tools the chat sample offers by default (<c>--no-tools</c> turns them off), with demo data;
/// named and shaped as the shipped models were trained on, so "What is the weather in Paris?" ends in an answer.
/// </summary>
internal static class DemoTools
{
    /// <summary>The tools, with the given clock for the time tool.</summary>
    public static IList<AITool> Create(TimeProvider time) =>
    [
        AIFunctionFactory.Create((string city) => DemoToolData.WeatherJson(city), "get_weather", "Get the current weather for a city."),
        AIFunctionFactory.Create((string city) => DemoToolData.TimeJson(city, time.GetUtcNow()), "get_time", "Get the current local time in a city."),
    ];
}
