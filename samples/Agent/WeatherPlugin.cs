using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>A kernel plugin answering from a fixed table, so the sample needs no network and its answers are checkable.</summary>
internal sealed class WeatherPlugin
{
    private static readonly Dictionary<string, string> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Oslo"] = "4 °C, light rain",
        ["Paris"] = "12 °C, cloudy",
        ["Madrid"] = "21 °C, sunny",
        ["Tokyo"] = "16 °C, clear",
    };

    private readonly List<string> asked = [];

    /// <summary>Cities the model asked about, in order (for the console trace and tests).</summary>
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
    [Description("Gets the current weather in a city.")]
    public string GetWeather([Description("The city name, e.g. Oslo.")] string city)
    {
        ArgumentNullException.ThrowIfNull(city);
        lock (asked)
        {
            asked.Add(city);
        }

        return Table.TryGetValue(city.Trim(), out var weather)
            ? $"{city.Trim()}: {weather}"
            : $"No weather data for '{city}'. Known cities: {string.Join(", ", Table.Keys)}.";
    }
}
