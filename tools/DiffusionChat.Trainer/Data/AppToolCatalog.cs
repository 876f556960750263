namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Tool definitions under the names, parameters and descriptions applications give them, split into training and
/// held-out definitions: names are composed from a verb, a noun and a naming style (<c>get_current_weather</c>,
/// <c>GetCurrentWeather</c>, <c>getCurrentWeather</c>, <c>WeatherPlugin-GetCurrentWeather</c> as Semantic Kernel
/// joins plugin and function, <c>weather_get_current_weather</c> as it used to), so a model must copy the tool name
/// from the tool list rather than remember a few.
/// </summary>
/// <remarks>
/// A name is held out when its hash says so (<see cref="RealPlaces.IsHeldOutName"/>), except the names apps and
/// samples use most (<see cref="CommonNames"/>), which are always trained on. Parameter names and descriptions are
/// split by position (<see cref="InstructionVocabulary.IsHeldOut"/>). A held-out definition shares no name, parameter
/// name or description with a training one.
/// </remarks>
internal static class AppToolCatalog
{
    /// <summary>Names common in apps and tutorials: always in training (the realistic split holds out others).</summary>
    public static readonly string[] CommonNames =
    [
        "get_weather", "get_current_weather", "GetWeather", "GetCurrentWeather", "getWeather", "getCurrentWeather",
        "WeatherPlugin-GetCurrentWeather", "WeatherPlugin-GetWeather", "weather_get_weather",
        "get_time", "get_current_time", "get_local_time", "GetTime", "GetLocalTime", "GetCurrentTime", "getCurrentTime",
        "TimePlugin-GetLocalTime", "TimePlugin-GetCurrentTime", "clock_get_time",
    ];

    private static readonly string[] Verbs = ["get", "fetch", "lookup", "check", "query", "read", "find", "show"];

    private static readonly Dictionary<string, string[]> Nouns = new(StringComparer.Ordinal)
    {
        ["weather"] = ["weather", "current weather", "weather forecast", "forecast", "conditions", "weather report", "current conditions", "temperature"],
        ["time"] = ["time", "local time", "current time", "clock", "time of day", "current local time", "time now", "local clock"],
    };

    private static readonly Dictionary<string, string[]> Plugins = new(StringComparer.Ordinal)
    {
        ["weather"] = ["Weather", "WeatherPlugin", "WeatherService", "Forecast", "WeatherTools", "Climate"],
        ["time"] = ["Time", "TimePlugin", "Clock", "ClockPlugin", "TimeService", "WorldClock"],
    };

    private static readonly string[] PlaceParameters = ["city", "location", "place", "cityName", "town", "city_name", "location_name", "where", "area", "locationName"];

    private static readonly string[] PlaceParameterDescriptions =
    [
        "The city name.", "", "Name of the city.", "The city, e.g. Seattle", "The location to look up.",
        "City or town name", "", "The place the user asked about.", "A city name.", "The name of the town or city.",
    ];

    private static readonly Dictionary<string, string[]> Descriptions = new(StringComparer.Ordinal)
    {
        ["weather"] =
        [
            "Get the current weather for a city.", "Gets the current weather in a given location.", "Returns the weather forecast.",
            "Look up current weather conditions.", "Gets the weather for a location.", "Returns temperature and conditions for a place.",
            "Current weather for the given city.", "Fetches today's weather.", "Weather lookup.", "Gets the current temperature and sky conditions.",
        ],
        ["time"] =
        [
            "Get the current local time in a city.", "Gets the current time in a given location.", "Returns the local time.",
            "Look up the time of day somewhere.", "Gets the time for a location.", "Returns the current clock time for a place.",
            "Local time for the given city.", "Tells the time in a city.", "Clock lookup.", "Gets the current local time and time zone.",
        ],
    };

    /// <summary>Tools a weather or time question never needs, listed beside the right one as apps list all their tools.</summary>
    private static readonly (string Verb, string Noun, string Parameter, string Description)[] Others =
    [
        ("send", "email", "to", "Sends an email to a recipient."), ("get", "stock price", "symbol", "Gets the latest stock price."),
        ("search", "web", "query", "Searches the web."), ("translate", "text", "text", "Translates text to English."),
        ("get", "news", "topic", "Returns the latest headlines on a topic."), ("create", "reminder", "text", "Creates a reminder."),
        ("play", "music", "song", "Plays a song."), ("calculate", "expression", "expression", "Evaluates a math expression."),
        ("find", "contact", "name", "Looks up a contact by name."), ("book", "restaurant", "restaurant", "Books a table at a restaurant."),
        ("convert", "currency", "amount", "Converts an amount of money."), ("get", "directions", "destination", "Gets driving directions."),
        ("set", "alarm", "label", "Sets an alarm."), ("open", "app", "app", "Opens an app on the phone."),
        ("get", "exchange rate", "currency", "Returns the exchange rate for a currency."), ("lookup", "word", "word", "Looks up a word in the dictionary."),
    ];

    private static readonly string[] OtherPlugins = ["Email", "Stocks", "Search", "Assistant", "Tools", "Utility"];

    private static readonly Dictionary<(string Family, DataSplit Split), AppToolDefinition[]> Definitions = Build();

    /// <summary>The definitions of one family (<c>weather</c>, <c>time</c>, <c>other</c>) and split.</summary>
    public static IReadOnlyList<AppToolDefinition> Of(string family, DataSplit split) =>
        Definitions.TryGetValue((family, split), out var definitions) ? definitions
            : throw new ArgumentOutOfRangeException(nameof(family), family, "Tool families are weather, time and other.");

    /// <summary>Whether a tool name is held out (its hash, unless it is a <see cref="CommonNames">common name</see>).</summary>
    public static bool IsHeldOutName(string name) => !CommonNames.Contains(name, StringComparer.Ordinal) && RealPlaces.IsHeldOutName(name);

    /// <summary>
    /// Every name a verb and a noun give in the naming styles apps use: <c>get_current_weather</c>,
    /// <c>GetCurrentWeather</c>, <c>getCurrentWeather</c>, <c>{Plugin}-GetCurrentWeather</c>, <c>{plugin}_get_current_weather</c>.
    /// </summary>
    public static IEnumerable<string> NameStyles(string verb, string noun, IEnumerable<string> plugins)
    {
        var words = verb.Split(' ').Concat(noun.Split(' ')).ToArray();
        var snake = string.Join('_', words);
        var pascal = string.Concat(words.Select(Capitalise));
        yield return snake;
        yield return pascal;
        yield return char.ToLowerInvariant(pascal[0]) + pascal[1..];
        foreach (var plugin in plugins)
        {
            yield return $"{plugin}-{pascal}";
            yield return $"{plugin.ToLowerInvariant()}_{snake}";
        }
    }

    private static Dictionary<(string, DataSplit), AppToolDefinition[]> Build()
    {
        var result = new Dictionary<(string, DataSplit), AppToolDefinition[]>();
        foreach (var split in new[] { DataSplit.Train, DataSplit.HeldOut })
        {
            var parameters = InstructionVocabulary.Of(PlaceParameters, split).Select(p => p.Value).ToArray();
            var parameterDescriptions = InstructionVocabulary.Of(PlaceParameterDescriptions, split).Select(p => p.Value).ToArray();
            foreach (var family in new[] { "weather", "time" })
            {
                var descriptions = InstructionVocabulary.Of(Descriptions[family], split).Select(d => d.Value).ToArray();
                var names = Verbs.SelectMany(verb => Nouns[family].SelectMany(noun => NameStyles(verb, noun, Plugins[family])))
                    .Concat(CommonNames.Where(n => IsOfFamily(n, family)))
                    .Distinct(StringComparer.Ordinal)
                    .Where(name => IsHeldOutName(name) == (split == DataSplit.HeldOut))
                    .ToArray();

                // Parameter and description follow from the name's position, so a definition is the same in every draw.
                result[(family, split)] = names.Select((name, i) => new AppToolDefinition(family, name, descriptions[i % descriptions.Length],
                    parameters[i % parameters.Length], parameterDescriptions[(i / parameters.Length) % parameterDescriptions.Length])).ToArray();
            }

            result[("other", split)] = Others.SelectMany(o => NameStyles(o.Verb, o.Noun, OtherPlugins).Select(name => new AppToolDefinition("other", name, o.Description, o.Parameter, "")))
                .Where(d => IsHeldOutName(d.Name) == (split == DataSplit.HeldOut))
                .ToArray();
        }

        return result;
    }

    private static bool IsOfFamily(string name, string family) =>
        name.Contains(family, StringComparison.OrdinalIgnoreCase) && !(family == "time" && name.Contains("weather", StringComparison.OrdinalIgnoreCase));

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}
