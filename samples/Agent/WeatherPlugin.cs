using System.ComponentModel;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>
/// A kernel plugin with demo weather data. Its function, its description and its JSON result have the shape the
/// shipped models were trained on (<c>weather_get_weather</c> returning city, temperature_c and conditions), so the
/// tiny model can call it and answer from it.
/// </summary>
internal sealed class WeatherPlugin
{
    private static readonly Dictionary<string, (int TemperatureC, string Conditions)> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Oslo"] = (4, "rainy"),
        ["Paris"] = (12, "cloudy"),
        ["Madrid"] = (21, "sunny"),
        ["Tokyo"] = (16, "clear"),
    };

    private static readonly string[] Conditions = ["sunny", "cloudy", "rainy", "windy", "foggy", "clear"];

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

    /// <summary>The current weather in a city: the table's entry, or stable made-up demo values for other cities.</summary>
    [KernelFunction("get_weather")]
    [Description("Get the current weather for a city.")]
    public string GetWeather(string city)
    {
        ArgumentNullException.ThrowIfNull(city);
        var name = city.Trim();
        lock (asked)
        {
            asked.Add(name);
        }

        var (temperature, conditions) = Table.TryGetValue(name, out var known) ? known : DemoWeather(name);
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["city"] = name, ["temperature_c"] = temperature, ["conditions"] = conditions });
    }

    /// <summary>Demo values that depend only on the name (string.GetHashCode is randomised per process, so not that).</summary>
    private static (int TemperatureC, string Conditions) DemoWeather(string city)
    {
        uint hash = 2166136261;
        foreach (char c in city.ToUpperInvariant())
        {
            hash = (hash ^ c) * 16777619;
        }

        return ((int)(hash % 36) - 5, Conditions[hash / 36 % (uint)Conditions.Length]);
    }
}
