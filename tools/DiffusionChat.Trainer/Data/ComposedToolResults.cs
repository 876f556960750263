using System.Globalization;
using System.Text.Json.Nodes;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Training-only weather and clock results put together from parts: the value under one of many key names, flat or
/// nested one level, in random field order, among distractor fields (humidity, wind, offsets, dates), or as a
/// sentence. Ten fixed shapes (<see cref="ToolResultShapes"/>) teach ten layouts; a composed result teaches the rule
/// behind them (the condition is the text field that is not the place, the clock the <c>HH:mm</c> that is not an
/// offset), which is what an app's own tool needs.
/// </summary>
/// <remarks>
/// Why: session 20's models answered 0 of 13 realistic weather questions, writing a distractor's key
/// (<c>It is humidity and 30 degrees</c>) for the two held-out shapes, which add a humidity field to a layout never
/// seen. Key names used only by held-out shapes (<see cref="HeldOutOnlyKeys"/>) are never composed, and no sentence
/// starts as the held-out sentence does, so the realistic split still meets shapes it has never seen.
/// </remarks>
internal static class ComposedToolResults
{
    /// <summary>Keys that only the held-out shapes use (a test checks no composed result carries one).</summary>
    public static readonly IReadOnlyList<string> HeldOutOnlyKeys = ["summary", "tempC", "clock", "offset", "current_time"];

    private static readonly string[] PlaceKeys = ["city", "location", "place", "name", "town", "locality", "area", "station", "region", "query"];
    private static readonly string[] TemperatureKeys = ["temperature", "temp", "temperature_c", "temp_c", "degrees", "celsius", "temperatureCelsius", "air_temperature", "tempCelsius", "value"];
    private static readonly string[] ConditionKeys = ["conditions", "condition", "description", "weather", "sky", "state", "status", "outlook", "forecast", "text", "phrase", "label"];
    private static readonly string[] TimeKeys = ["time", "local_time", "localTime", "now", "time_local", "hhmm", "wall_time", "time_now", "currentTime", "value"];
    private static readonly string[] NestKeys = ["current", "data", "result", "observation", "report", "now", "details", "payload"];
    private static readonly string[] Sources = ["met-service", "openweather", "station-7", "local-sensor", "forecast-api"];
    private static readonly string[] Days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    private static readonly string[] WeatherSentences =
    [
        "{1}, {0} °C in {2}.",
        "{2}: {0} C and {1}.",
        "Conditions: {1}. Temperature: {0} degrees.",
        "{2} reports {1} with {0} °C; wind {4} km/h, humidity {3} %.",
        "Temperature {0} °C, sky {1}, humidity {3} % ({2}).",
        "{1} ({0} degrees Celsius), pressure {5} hPa",
        "Now in {2}: {1}, {0}°C, wind {4} kph",
    ];

    private static readonly string[] TimeSentences =
    [
        "{0} local time in {1}.",
        "In {1} it is {0} now.",
        "{1} {0} UTC{2}",
        "Local time: {0} ({1}, UTC{2}, {3})",
        "It's {0} on {3} in {1}.",
        "time={0} tz=UTC{2}",
    ];

    /// <summary>A weather result for <paramref name="place"/>: temperature as written and condition, in a composed shape.</summary>
    public static object Weather(Random random, string place, string temperature, string condition)
    {
        int humidity = random.Next(20, 100), wind = random.Next(0, 60), pressure = random.Next(980, 1041);
        if (random.Next(5) == 0)
        {
            return Format(Pick(random, WeatherSentences), temperature, condition, place, humidity, wind, pressure);
        }

        var fields = new List<(string Key, JsonNode? Value)>
        {
            (Pick(random, TemperatureKeys), ToolResultShapes.Number(temperature)),
            (Pick(random, ConditionKeys), condition),
        };
        var distractors = new List<(string, JsonNode?)>
        {
            ("humidity", humidity), ("wind_kph", wind), ("pressure_hpa", pressure), ("uv_index", random.Next(0, 12)),
            ("unit", "celsius"), ("source", Pick(random, Sources)), ("visibility_km", random.Next(1, 30)), ("cloud_cover", random.Next(0, 101)),
        };
        fields.AddRange(distractors.OrderBy(_ => random.Next()).Take(random.Next(0, 4)));
        return Compose(random, place, fields);
    }

    /// <summary>A clock result for <paramref name="place"/>: the clock <c>HH:mm</c> and a UTC offset, in a composed shape.</summary>
    public static object Time(Random random, string place, string clock, string offset)
    {
        var day = Pick(random, Days);
        if (random.Next(5) == 0)
        {
            return Format(Pick(random, TimeSentences), clock, place, offset, day);
        }

        var fields = new List<(string Key, JsonNode? Value)> { (Pick(random, TimeKeys), clock) };
        var distractors = new List<(string, JsonNode?)>
        {
            ("utc_offset", offset), ("timezone", "UTC" + offset), ("day_of_week", day), ("date", "2026-12-07"),
            ("dst", random.Next(2) == 0), ("unix", 1796600000 + random.Next(0, 86400)),
        };
        fields.AddRange(distractors.OrderBy(_ => random.Next()).Take(random.Next(0, 3)));
        return Compose(random, place, fields);
    }

    /// <summary>
    /// The fields (keys distinct, the first field's key wins) with the place, in random order; a third of the time the
    /// values sit one level down under a nest key, with the place outside (as a string or <c>{"name": ...}</c>).
    /// </summary>
    private static JsonObject Compose(Random random, string place, List<(string Key, JsonNode? Value)> fields)
    {
        var placeKey = Pick(random, PlaceKeys);
        var distinct = fields.Where(f => f.Key != placeKey).DistinctBy(f => f.Key).OrderBy(_ => random.Next()).ToList();
        var values = new JsonObject();
        foreach (var (key, value) in distinct)
        {
            values[key] = value;
        }

        if (random.Next(3) > 0)
        {
            values.Insert(random.Next(values.Count + 1), placeKey, place);
            return values;
        }

        var nestKey = Pick(random, NestKeys.Where(k => !values.ContainsKey(k) && k != placeKey).ToList());
        JsonNode placeNode = random.Next(2) == 0 ? place : new JsonObject { ["name"] = place };
        return random.Next(2) == 0
            ? new JsonObject { [placeKey] = placeNode, [nestKey] = values }
            : new JsonObject { [nestKey] = values, [placeKey] = placeNode };
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Format(string template, params object[] values) => string.Format(CultureInfo.InvariantCulture, template, values);
}
