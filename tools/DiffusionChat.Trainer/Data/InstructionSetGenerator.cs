using System.Globalization;
using System.Text.Json;
using DiffusionChat.Prompting;
using static DiffusionChat.Trainer.Data.InstructionVocabulary;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Generates the synthetic instruction set in the shipped chat template: tool use (weather, time), a capital fact
/// table, small talk, and small reasoning (sorting, reversing words, one- and two-digit arithmetic).
/// </summary>
/// <remarks>
/// Reproducible: the same seed and split give the same examples. The two splits are disjoint in place names, tool
/// values, words, operands and phrasings (see <see cref="InstructionVocabulary"/>); the capital fact table is shared,
/// held-out capital questions use held-out phrasings only. Cities that are also capitals in the fact table belong to
/// the training split, because the fact table puts them in training text anyway.
/// </remarks>
internal sealed class InstructionSetGenerator
{
    /// <summary>The weather tool offered in tool-use examples.</summary>
    public static readonly ToolDefinition WeatherTool = new(
        "get_weather", "Get the current weather for a city.", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");

    /// <summary>The clock tool offered in tool-use examples.</summary>
    public static readonly ToolDefinition TimeTool = new(
        "get_time", "Get the current local time in a city.", """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""");

    /// <summary>
    /// The same two tools as Semantic Kernel names plugin functions (<c>plugin_function</c>) and writes their schemas
    /// (including the <c>condition</c> entry it adds), exactly as the Agent sample offers them (plugins <c>weather</c>
    /// and <c>clock</c>; a sample test checks the rendered prompt).
    /// </summary>
    public static readonly ToolDefinition[] PluginTools =
    [
        new("weather_get_weather", "Get the current weather for a city.", """{"type":"object","condition":"Get the current weather for a city.","properties":{"city":{"type":"string"}},"required":["city"]}"""),
        new("clock_get_time", "Get the current local time in a city.", """{"type":"object","condition":"Get the current local time in a city.","properties":{"city":{"type":"string"}},"required":["city"]}"""),
    ];

    /// <summary>
    /// System texts an application may put first; a share of examples start with one, so that an app's own system
    /// message does not throw the model off (the Agent sample sends the first one).
    /// </summary>
    public static readonly string[] SystemTexts =
    [
        "You are a helpful assistant. Use the tools for weather and time.", "You are a helpful assistant.",
        "You are a friendly assistant. Keep answers short.", "Answer briefly.", "You are DiffusionChat, a small assistant.",
        "Be concise and polite.",
    ];

    /// <summary>Share of training tool questions whose place (and weather condition) is made up.</summary>
    private const double SyntheticShare = 0.6;

    /// <summary>
    /// Share of training tool questions in a composed form: half, so the few listed forms (the plain ones apps send,
    /// such as "What is the weather in X?") are not drowned by the hundreds of composed ones, which teach which words
    /// pick which tool.
    /// </summary>
    private const double ComposedShare = 0.5;

    /// <summary>Share of examples that start with a system turn.</summary>
    private const double SystemShare = 0.3;

    /// <summary>
    /// Category weights (a category appears as often as it is listed): tool use and the fact table are what the
    /// samples and the targets need, so they get three quarters of the rows; sorting, reversing and arithmetic are
    /// reported, not demanded, and keep a share large enough to measure.
    /// </summary>
    private static readonly string[] Categories =
        ["weather", "weather", "weather", "time", "time", "time", "capital", "capital", "capital", "greeting", "sort", "reverse", "arithmetic", "echo", "echo"];

    private readonly DataSplit split;
    private readonly Random random;
    private readonly SplitDraws draws;
    private readonly IReadOnlyList<(int Index, string Value)> cities;
    private readonly Func<string, bool>? rejectMadeUp;
    private readonly double jsonAnswerShare;
    private readonly Random jsonDraws;

    /// <summary>Creates a generator for one split.</summary>
    /// <param name="split">Which split to draw from.</param>
    /// <param name="seed">The seed; the same seed gives the same sequence of examples.</param>
    /// <param name="places">
    /// Real places whose held-out names made-up training names must not spell (<see cref="RealPlaces.SpellsHeldOutName"/>),
    /// when training data is mixed with <see cref="AppPromptGenerator"/>'s; null leaves the examples exactly as before.
    /// </param>
    /// <param name="jsonAnswerShare">
    /// Share of capital questions answered as a JSON record (<see cref="JsonCapitalAnswer"/>), in [0, 1]; drawn from a
    /// generator of its own, so the examples are otherwise the same sequence as with 0 (the default).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="jsonAnswerShare"/> is outside [0, 1].</exception>
    public InstructionSetGenerator(DataSplit split, int seed, RealPlaces? places = null, double jsonAnswerShare = 0)
    {
        if (!(jsonAnswerShare >= 0 && jsonAnswerShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jsonAnswerShare), jsonAnswerShare, "The share of JSON capital answers must be in [0, 1].");
        }

        this.jsonAnswerShare = jsonAnswerShare;
        jsonDraws = new Random(seed ^ 0x4A534F4E);
        this.split = split;
        rejectMadeUp = places is null ? null : places.SpellsHeldOutName;
        random = new Random(seed);
        draws = new SplitDraws(random, split);
        var capitals = Capitals.Select(c => c.Capital).ToHashSet(StringComparer.Ordinal);
        cities = Cities.Select((city, index) => (index, city))
            .Where(c => (IsHeldOut(c.index) && !capitals.Contains(c.city)) == (split == DataSplit.HeldOut))
            .ToList();
    }

    /// <summary>The next <paramref name="count"/> examples, categories mixed.</summary>
    public IReadOnlyList<ChatExample> Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(0, count).Select(_ => Next()).ToList();
    }

    /// <summary>The next example.</summary>
    public ChatExample Next() => Pick(Categories) switch
    {
        "weather" => Weather(),
        "time" => Time(),
        "capital" => Capital(),
        "greeting" => Greeting(),
        "sort" => WordTask(sort: true),
        "reverse" => WordTask(sort: false),
        "echo" => Echo(),
        _ => Arithmetic(),
    };

    private ChatExample Weather()
    {
        var (cityKey, city) = City();
        var (phrasingKey, question) = ToolQuestion("weather", WeatherQuestions, ComposedQuestions.Weather);
        var (conditionKey, condition) = Condition();
        var temperature = Draw(-15, 40, t => t);
        var result = JsonSerializer.Serialize<Dictionary<string, object>>(new() { ["city"] = city, ["temperature_c"] = temperature, ["conditions"] = condition });
        return ToolExample("weather", 0, city, Format(question, city), result, Format(WeatherAnswer, city, temperature, condition),
            [cityKey, phrasingKey, conditionKey, $"temperature:{temperature}"]);
    }

    private ChatExample Time()
    {
        var (cityKey, city) = City();
        var (phrasingKey, question) = ToolQuestion("time", TimeQuestions, ComposedQuestions.Time);
        var minutes = Draw(0, 24 * 60 - 1, m => m + 1000);
        var clock = $"{minutes / 60:D2}:{minutes % 60:D2}";
        var result = JsonSerializer.Serialize<Dictionary<string, object>>(new() { ["city"] = city, ["time"] = clock });
        return ToolExample("time", 1, city, Format(question, city), result, Format(TimeAnswer, city, clock),
            [cityKey, phrasingKey, $"clock:{clock}"]);
    }

    /// <summary>
    /// A tool question form with its content key: held-out questions use the held-out listed forms only (drawn exactly
    /// as before composed forms existed, so held-out sets stay comparable across sessions); training questions come
    /// from the training listed forms or, for <see cref="ComposedShare"/> of them, from <see cref="ComposedQuestions"/>.
    /// </summary>
    private (string Key, string Question) ToolQuestion(string family, string[] listed, ComposedForms composed)
    {
        if (split == DataSplit.Train && random.NextDouble() < ComposedShare)
        {
            var form = composed.Draw(random);
            return ($"phrasing:{family}:composed:{ComposedQuestions.Key(form)}", form);
        }

        var (phrasing, question) = Pick(Of(listed, split));
        return ($"phrasing:{family}:{phrasing}", question);
    }

    /// <summary>
    /// A place for a tool question with its content key: in training, most are made up (<see cref="SyntheticNames"/>)
    /// so the model must copy the name; held-out places are real cities never used in training.
    /// </summary>
    private (string Key, string City) City()
    {
        if (split == DataSplit.Train && random.NextDouble() < SyntheticShare)
        {
            var name = SyntheticNames.Place(random, rejectMadeUp);
            return ($"city:made-up:{name}", name);
        }

        var (index, city) = Pick(cities);
        return ($"city:{index}", city);
    }

    /// <summary>A weather condition with its content key; half of the training ones are made up, for the same reason.</summary>
    private (string Key, string Condition) Condition()
    {
        if (split == DataSplit.Train && random.NextDouble() < SyntheticShare)
        {
            var word = SyntheticNames.Condition(random, rejectMadeUp);
            return ($"condition:made-up:{word}", word);
        }

        var (index, condition) = Pick(Of(Conditions, split));
        return ($"condition:{index}", condition);
    }

    /// <param name="toolIndex">0 for the weather tool, 1 for the clock tool of the drawn tool set.</param>
    private ChatExample ToolExample(string category, int toolIndex, string city, string question, string result, string answer, string[] keys)
    {
        IReadOnlyList<ToolDefinition> toolSet = random.Next(2) == 0 ? [WeatherTool, TimeTool] : PluginTools;
        var tool = toolSet[toolIndex];
        var tools = Offered(toolSet);
        var arguments = JsonSerializer.Serialize<Dictionary<string, string>>(new() { ["city"] = city });
        var turns = new List<ChatTurn>
        {
            ChatTurn.User(question),
            ChatTurn.Assistant("", new ToolCall(tool.Name, arguments)),
            ChatTurn.Tool(new ToolResult(result)),
            ChatTurn.Assistant(answer),
        };
        return new ChatExample(category, WithSystem(turns), tools, keys);
    }

    /// <summary>Prepends a system turn to a share of the examples.</summary>
    private List<ChatTurn> WithSystem(List<ChatTurn> turns)
    {
        if (random.NextDouble() < SystemShare)
        {
            turns.Insert(0, ChatTurn.System(Pick(SystemTexts)));
        }

        return turns;
    }

    private ChatExample Capital()
    {
        var (country, capital) = Pick(Capitals);
        var (phrasing, question) = Pick(Of(CapitalQuestions, split));
        if (jsonAnswerShare > 0 && jsonDraws.NextDouble() < jsonAnswerShare)
        {
            var (json, shape) = JsonCapitalAnswer.Write(country, capital, jsonDraws);
            return Plain("capital", Format(question, country), json, [$"phrasing:capital:{phrasing}", shape]);
        }

        return Plain("capital", Format(question, country), Format(CapitalAnswer, country, capital), [$"phrasing:capital:{phrasing}"]);
    }

    private ChatExample Greeting()
    {
        var (index, (user, assistant)) = Pick(Of(SmallTalk, split));
        return Plain("greeting", user, assistant, [$"smalltalk:{index}"]);
    }

    private ChatExample WordTask(bool sort)
    {
        var pool = Of(Words, split);
        var count = random.Next(3, 6);
        var chosen = pool.OrderBy(_ => random.Next()).Take(count).ToList();
        var words = chosen.Select(w => w.Value).ToList();
        var (phrasing, question) = Pick(Of(sort ? SortQuestions : ReverseQuestions, split));
        var answer = string.Join(' ', sort ? words.Order(StringComparer.Ordinal) : Enumerable.Reverse(words));
        var category = sort ? "sort" : "reverse";
        var keys = chosen.Select(w => $"word:{w.Index}").Append($"phrasing:{category}:{phrasing}").ToArray();
        return Plain(category, Format(question, string.Join(' ', words)), answer, keys);
    }

    /// <summary>One to three places (made up or of the split's cities) to be repeated back verbatim.</summary>
    private ChatExample Echo()
    {
        var places = Enumerable.Range(0, random.Next(1, 4)).Select(_ => City()).ToList();
        var text = string.Join(" ", places.Select(p => p.City));
        var (phrasing, question) = Pick(Of(EchoQuestions, split));
        return Plain("echo", Format(question, text), text, places.Select(p => p.Key).Append($"phrasing:echo:{phrasing}").ToArray());
    }

    private ChatExample Arithmetic()
    {
        var op = Pick((string[])["+", "-", "*"]);
        int a, b;
        do
        {
            a = random.Next(0, random.Next(2) == 0 ? 10 : 100);
            b = random.Next(0, random.Next(2) == 0 ? 10 : 100);
        }
        while (IsHeldOutNumber(a * 1000 + b * 3 + op[0]) != (split == DataSplit.HeldOut));

        var value = op switch { "+" => a + b, "-" => a - b, _ => a * b };
        var (phrasing, question) = Pick(Of(ArithmeticQuestions, split));
        return Plain("arithmetic", Format(question, a, op, b), Format(ArithmeticAnswer, a, op, b, value),
            [$"operands:{op}:{a}:{b}", $"phrasing:arithmetic:{phrasing}"]);
    }

    private ChatExample Plain(string category, string question, string answer, string[] keys)
    {
        // Half of the plain examples still list the tools, so the model learns not to call them when they do not apply.
        IReadOnlyList<ToolDefinition> tools = random.Next(2) == 0 ? Offered(random.Next(2) == 0 ? [WeatherTool, TimeTool] : PluginTools) : [];
        return new ChatExample(category, WithSystem([ChatTurn.User(question), ChatTurn.Assistant(answer)]), tools, keys);
    }

    /// <summary>
    /// The tool set as the example lists it: in training, in either order with equal probability; held out, weather first
    /// (as the samples list them), so held-out draws are unchanged.
    /// </summary>
    /// <remarks>
    /// Why: with the weather tool always listed first, the session-8 masked model, whose copying was kept strong by copy
    /// rows, answered every weather question with the clock tool: after <c>{"name":"get_</c> the nearest earlier
    /// <c>get_</c> in the prompt is followed by <c>time</c>. In either order, only the question can pick the tool.
    /// </remarks>
    private IReadOnlyList<ToolDefinition> Offered(IReadOnlyList<ToolDefinition> toolSet) =>
        split == DataSplit.Train && random.Next(2) == 0 ? toolSet.Reverse().ToArray() : toolSet;

    private int Draw(int min, int max, Func<int, long> atom) => draws.Draw(min, max, atom);

    private T Pick<T>(IReadOnlyList<T> items) => draws.Pick(items);

    private static string Format(string template, params object[] values) => string.Format(CultureInfo.InvariantCulture, template, values);
}
