using System.Globalization;
using System.Text.Json;

namespace DiffusionChat.Samples;

/// <summary>
/// Demo weather and clock data shared by the samples, answered as the JSON objects the shipped models were trained on
/// (<c>{"city":...,"temperature_c":...,"conditions":...}</c> and <c>{"city":...,"time":"HH:mm"}</c>).
/// </summary>
internal static class DemoToolData
{
    private static readonly Dictionary<string, (int TemperatureC, string Conditions)> Weather = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Oslo"] = (4, "rainy"),
        ["Paris"] = (12, "cloudy"),
        ["Madrid"] = (21, "sunny"),
        ["Tokyo"] = (16, "clear"),
    };

    private static readonly Dictionary<string, int> UtcOffsetHours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Oslo"] = 1, ["Paris"] = 1, ["Madrid"] = 1, ["London"] = 0, ["Tokyo"] = 9, ["New York"] = -5, ["Sydney"] = 11,
    };

    private static readonly string[] Conditions = ["sunny", "cloudy", "rainy", "windy", "foggy", "clear"];

    /// <summary>The weather in a city: the table's entry, or stable made-up values for other cities.</summary>
    public static string WeatherJson(string city)
    {
        ArgumentNullException.ThrowIfNull(city);
        var name = city.Trim();
        var (temperature, conditions) = Weather.TryGetValue(name, out var known) ? known : MadeUp(name);
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["city"] = name, ["temperature_c"] = temperature, ["conditions"] = conditions });
    }

    /// <summary>The local time in a city at <paramref name="utcNow"/>; cities without a known offset get UTC.</summary>
    public static string TimeJson(string city, DateTimeOffset utcNow)
    {
        ArgumentNullException.ThrowIfNull(city);
        var name = city.Trim();
        var local = utcNow.AddHours(UtcOffsetHours.GetValueOrDefault(name));
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["city"] = name, ["time"] = local.ToString("HH:mm", CultureInfo.InvariantCulture) });
    }

    /// <summary>Values that depend only on the name (string.GetHashCode is randomised per process, so FNV-1a).</summary>
    private static (int TemperatureC, string Conditions) MadeUp(string city)
    {
        uint hash = 2166136261;
        foreach (char c in city.ToUpperInvariant())
        {
            hash = (hash ^ c) * 16777619;
        }

        return ((int)(hash % 36) - 5, Conditions[hash / 36 % (uint)Conditions.Length]);
    }
}
