using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>
/// A kernel plugin with demo weather data (<see cref="DemoToolData"/>). Its function name (as Semantic Kernel offers it:
/// <c>weather_get_weather</c>), description and JSON result have the shape the shipped models were trained on, so the
/// tiny model can call it and answer from it.
/// </summary>
internal sealed class WeatherPlugin
{
    private readonly List<string> asked = [];

    /// <summary>Cities asked for so far, in order (thread-safe copy).</summary>
    public IReadOnlyList<string> Asked
    {
        get
        {
            lock (asked)
            {
                return [.. asked];
            }
        }
    }

    /// <summary>The current weather in a city.</summary>
    [KernelFunction("get_weather")]
    [Description("Get the current weather for a city.")]
    public string GetWeather(string city)
    {
        ArgumentNullException.ThrowIfNull(city);
        lock (asked)
        {
            asked.Add(city.Trim());
        }

        return DemoToolData.WeatherJson(city);
    }
}
