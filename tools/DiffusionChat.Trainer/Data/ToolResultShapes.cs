using System.Globalization;
using System.Text.Json.Nodes;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// What weather and clock tools return, in the several shapes real tools use: flat or nested JSON objects under
/// different keys, with extra fields, or a plain sentence. The answer always carries the same values (temperature and
/// condition, or the clock time), so only finding them in the shape is learned. Shapes are split by position
/// (<see cref="InstructionVocabulary.IsHeldOut"/>): the realistic eval's shapes are never trained on.
/// </summary>
/// <remarks>
/// The tool returns a .NET value; the client sees it as <c>AIFunctionFactory</c> marshals it: an object as indented
/// JSON, a string as its text (<see cref="AppToolFunction"/>).
/// </remarks>
internal static class ToolResultShapes
{
    /// <summary>A weather result: place, temperature as written (<c>21</c>, <c>-3.5</c>), condition, plus humidity for shapes that add noise.</summary>
    private static readonly Func<string, string, string, int, object>[] Weather =
    [
        (place, t, c, h) => new JsonObject { ["city"] = place, ["temperature_c"] = Number(t), ["conditions"] = c },
        (place, t, c, h) => new JsonObject { ["location"] = place, ["temperature"] = Number(t), ["unit"] = "celsius", ["description"] = c },
        (place, t, c, h) => new JsonObject { ["location"] = new JsonObject { ["name"] = place }, ["current"] = new JsonObject { ["temp_c"] = Number(t), ["condition"] = new JsonObject { ["text"] = c } } },
        (place, t, c, h) => $"{c}, {t} °C",
        (place, t, c, h) => new JsonObject { ["summary"] = c, ["tempC"] = Number(t), ["city"] = place, ["humidity"] = h },
        (place, t, c, h) => new JsonObject { ["weather"] = c, ["temp"] = Number(t), ["humidity"] = h, ["wind_kph"] = h / 4 },
        (place, t, c, h) => $"Weather in {place}: {c}, {t} degrees Celsius.",
        (place, t, c, h) => new JsonObject { ["place"] = place, ["observation"] = new JsonObject { ["temperature"] = Number(t), ["sky"] = c } },
        (place, t, c, h) => new JsonObject { ["result"] = new JsonObject { ["temperatureCelsius"] = Number(t), ["conditions"] = c, ["location"] = place } },
        (place, t, c, h) => $"Currently {c} in {place} at {t} °C, humidity {h} %.",
    ];

    /// <summary>A clock result: place, clock time <c>HH:mm</c>, a UTC offset such as <c>+01:00</c>.</summary>
    private static readonly Func<string, string, string, object>[] Time =
    [
        (place, clock, offset) => new JsonObject { ["city"] = place, ["time"] = clock },
        (place, clock, offset) => new JsonObject { ["location"] = place, ["local_time"] = clock, ["utc_offset"] = offset },
        (place, clock, offset) => clock,
        (place, clock, offset) => new JsonObject { ["time"] = clock, ["timezone"] = "UTC" + offset },
        (place, clock, offset) => new JsonObject { ["place"] = place, ["clock"] = clock, ["offset"] = offset },
        (place, clock, offset) => $"The local time in {place} is {clock}.",
        (place, clock, offset) => new JsonObject { ["result"] = new JsonObject { ["localTime"] = clock, ["location"] = place } },
        (place, clock, offset) => new JsonObject { ["datetime"] = $"2026-12-07T{clock}:00{offset}", ["time"] = clock },
        (place, clock, offset) => $"{clock} (UTC{offset})",
        (place, clock, offset) => new JsonObject { ["current_time"] = clock, ["location"] = new JsonObject { ["name"] = place } },
    ];

    /// <summary>Indices of the weather shapes of <paramref name="split"/>.</summary>
    public static IReadOnlyList<int> WeatherShapes(DataSplit split) => InstructionVocabulary.Of(Weather, split).Select(s => s.Index).ToList();

    /// <summary>Indices of the clock shapes of <paramref name="split"/>.</summary>
    public static IReadOnlyList<int> TimeShapes(DataSplit split) => InstructionVocabulary.Of(Time, split).Select(s => s.Index).ToList();

    /// <summary>A weather tool's return value in shape <paramref name="shape"/>.</summary>
    /// <param name="shape">The shape index.</param>
    /// <param name="place">The place asked about.</param>
    /// <param name="temperature">The temperature as the tool writes it.</param>
    /// <param name="condition">The condition text.</param>
    /// <param name="humidity">A humidity percentage some shapes add (a value the answer need not carry).</param>
    public static object WeatherResult(int shape, string place, string temperature, string condition, int humidity) => Weather[shape](place, temperature, condition, humidity);

    /// <summary>A clock tool's return value in shape <paramref name="shape"/>.</summary>
    public static object TimeResult(int shape, string place, string clock, string offset) => Time[shape](place, clock, offset);

    // Integral temperatures stay integers in JSON (21, not 21.0), as a tool's int or double field would be written.
    internal static JsonNode Number(string value) =>
        value.Contains('.', StringComparison.Ordinal) ? JsonValue.Create(double.Parse(value, CultureInfo.InvariantCulture)) : JsonValue.Create(int.Parse(value, CultureInfo.InvariantCulture));
}
