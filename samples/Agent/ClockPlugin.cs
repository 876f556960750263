using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>
/// A kernel plugin telling the local time in a city (demo UTC offsets; the clock is injected so tests can fix it). Like
/// <see cref="WeatherPlugin"/>, it has the shape the shipped models were trained on (<c>clock_get_time</c>).
/// </summary>
internal sealed class ClockPlugin(TimeProvider time)
{
    private static readonly Dictionary<string, int> UtcOffsetHours = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Oslo"] = 1, ["Paris"] = 1, ["Madrid"] = 1, ["London"] = 0, ["Tokyo"] = 9, ["New York"] = -5, ["Sydney"] = 11,
    };

    /// <summary>The local time (HH:mm) in a city; cities without a known offset get UTC.</summary>
    [KernelFunction("get_time")]
    [Description("Get the current local time in a city.")]
    public string GetTime(string city)
    {
        ArgumentNullException.ThrowIfNull(city);
        var name = city.Trim();
        var local = time.GetUtcNow().AddHours(UtcOffsetHours.GetValueOrDefault(name));
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["city"] = name, ["time"] = local.ToString("HH:mm", CultureInfo.InvariantCulture) });
    }
}
