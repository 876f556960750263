using System.Globalization;
using static DiffusionChat.Trainer.Data.InstructionVocabulary;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Generates conversations shaped like an application's own prompts (<see cref="AppScenario"/>): real place names of
/// every kind, one to four tools under app names with their own parameter names and descriptions, tool results in
/// several shapes, many phrasings, and (training only) copy questions over arbitrary strings.
/// </summary>
/// <remarks>
/// <para>Training scenarios feed the next training run (<see cref="TrainingChatMix"/>); held-out ones are the realistic
/// eval split. The splits share no place name, question form, system text, tool definition (name, parameter,
/// description) or result shape; answers use the generator's one form per family, so a model trained on both kinds of
/// data answers the same way. Reproducible: the same places, split and seed give the same scenarios.</para>
/// <para>Half of the training places are made up (<see cref="SyntheticNames"/>, none spelling a held-out real name),
/// half real, drawn evenly over <see cref="PlaceKind"/>s; held-out places are real, evenly over kinds.</para>
/// </remarks>
internal sealed class AppPromptGenerator
{
    private static readonly string[] TrainFamilies = ["weather", "weather", "weather", "time", "time", "time", "capital", "copy", "copy"];
    private static readonly string[] HeldOutFamilies = ["weather", "weather", "time", "time", "capital"];

    private static readonly string[] MultiWordConditions =
        ["light rain", "partly cloudy", "heavy snow", "scattered showers", "patchy fog", "clear sky", "light drizzle", "mostly sunny", "few clouds", "freezing rain"];

    private static readonly string[] CopyQuestions =
        ["Repeat exactly: {0}", "Copy this text: {0}", "Say {0}", "Echo back: {0}", "Write exactly what follows: {0}", "Please repeat {0}"];

    private readonly DataSplit split;
    private readonly RealPlaces places;
    private readonly Random random;
    private readonly SplitDraws draws;
    private readonly double composedResults;

    /// <summary>Creates a generator for one split.</summary>
    /// <param name="split">Training or held-out (the realistic eval).</param>
    /// <param name="places">The real place names.</param>
    /// <param name="seed">The seed of every draw.</param>
    /// <param name="composedResults">
    /// Training only: the share of tool results put together from parts (<see cref="ComposedToolResults"/>) instead of
    /// a fixed shape, in [0, 1]; 0 keeps earlier runs' data. The held-out split always uses its fixed shapes.
    /// </param>
    public AppPromptGenerator(DataSplit split, RealPlaces places, int seed, double composedResults = 0)
    {
        ArgumentNullException.ThrowIfNull(places);
        if (!(composedResults >= 0 && composedResults <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(composedResults), composedResults, "The share of composed tool results must be in [0, 1].");
        }

        this.split = split;
        this.composedResults = split == DataSplit.Train ? composedResults : 0;
        this.places = places;
        random = new Random(seed);
        draws = new SplitDraws(random, split);
    }

    /// <summary>The next <paramref name="count"/> scenarios.</summary>
    public IReadOnlyList<AppScenario> Generate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Enumerable.Range(0, count).Select(_ => Next()).ToList();
    }

    /// <summary>The next scenario.</summary>
    public AppScenario Next() => Pick(split == DataSplit.Train ? TrainFamilies : HeldOutFamilies) switch
    {
        "weather" => Weather(),
        "time" => Time(),
        "capital" => Capital(),
        _ => Copy(),
    };

    private AppScenario Weather()
    {
        var (placeKey, kind, place) = Place();
        var (phrasingKey, question) = Question("weather", AppPhrasings.Weather, place);
        var (conditionKey, condition) = Condition();
        var temperature = Temperature();
        var shape = Pick(ToolResultShapes.WeatherShapes(split));
        var returns = ToolResultShapes.WeatherResult(shape, place, temperature, condition, random.Next(20, 100));
        var shapeKey = $"app-shape:weather:{shape}";
        if (Composed())
        {
            (returns, shapeKey) = (ComposedToolResults.Weather(random, place, temperature, condition), "app-shape:weather:composed");
        }

        var answer = Format(WeatherAnswer, place, temperature, condition);
        return ToolScenario("weather", question, place, kind, returns, [temperature, condition], answer,
            [placeKey, phrasingKey, conditionKey, shapeKey, $"temperature:{temperature}"]);
    }

    private AppScenario Time()
    {
        var (placeKey, kind, place) = Place();
        var (phrasingKey, question) = Question("time", AppPhrasings.Time, place);
        var minutes = Draw(0, 24 * 60 - 1, m => m + 1000);
        var clock = $"{minutes / 60:D2}:{minutes % 60:D2}";
        var offsetHours = random.Next(-11, 13);
        var offset = $"{(offsetHours < 0 ? '-' : '+')}{Math.Abs(offsetHours):D2}:00";
        var shape = Pick(ToolResultShapes.TimeShapes(split));
        var returns = ToolResultShapes.TimeResult(shape, place, clock, offset);
        var shapeKey = $"app-shape:time:{shape}";
        if (Composed())
        {
            (returns, shapeKey) = (ComposedToolResults.Time(random, place, clock, offset), "app-shape:time:composed");
        }

        return ToolScenario("time", question, place, kind, returns, [clock], Format(TimeAnswer, place, clock),
            [placeKey, phrasingKey, shapeKey, $"clock:{clock}"]);
    }

    private AppScenario Capital()
    {
        var (country, capital) = Pick(Capitals);
        var (phrasingKey, question) = Question("capital", AppPhrasings.Capital, country);
        var (system, systemKey, tools, toolKeys) = Setting(needed: null);
        return new AppScenario("capital", system, question, tools, null, null, null, null, [capital], Format(CapitalAnswer, country, capital),
            [phrasingKey, .. systemKey, .. toolKeys]);
    }

    /// <summary>A copy question over an arbitrary string (training only: no held-out name is spelled).</summary>
    private AppScenario Copy()
    {
        var text = ArbitraryStrings.Draw(random, places, places.SpellsHeldOutName);
        var form = Pick(CopyQuestions);
        var (system, systemKey, tools, toolKeys) = random.Next(2) == 0 ? Setting(needed: null) : (null, [], [], []);
        return new AppScenario("copy", system, Format(form, text), tools, null, null, null, null, [text], text,
            [$"app-copy:{text}", .. systemKey, .. toolKeys]);
    }

    private AppScenario ToolScenario(string family, string question, string place, PlaceKind? kind, object returns, string[] values, string answer, string[] keys)
    {
        var needed = Pick(AppToolCatalog.Of(family, split));
        var (system, systemKey, tools, toolKeys) = Setting(needed);
        return new AppScenario(family, system, question, tools, needed, place, kind, returns, values, answer, [.. keys, .. systemKey, .. toolKeys]);
    }

    /// <summary>
    /// The app around a question: half the time a system text of the split, and one to four tools in random order (the
    /// needed one, often the other place tool, sometimes tools for other tasks).
    /// </summary>
    private (string? System, string[] SystemKey, List<AppToolDefinition> Tools, string[] ToolKeys) Setting(AppToolDefinition? needed)
    {
        string? system = null;
        string[] systemKey = [];
        if (random.Next(2) == 0)
        {
            var (index, text) = Pick(Of(AppPhrasings.SystemTexts, split));
            (system, systemKey) = (text, [$"app-system:{index}"]);
        }

        var tools = new List<AppToolDefinition>();
        if (needed is not null)
        {
            tools.Add(needed);
        }

        if (needed is null || random.Next(3) > 0)
        {
            var family = needed?.Family == "weather" ? "time" : needed?.Family == "time" ? "weather" : Pick((string[])["weather", "time"]);
            tools.Add(Pick(AppToolCatalog.Of(family, split)));
        }

        var others = AppToolCatalog.Of("other", split);
        for (int extra = random.Next(needed is null ? 0 : -1, 3); extra > 0; extra--)
        {
            var other = Pick(others);
            if (tools.All(t => t.Name != other.Name))
            {
                tools.Add(other);
            }
        }

        var ordered = tools.OrderBy(_ => random.Next()).ToList();
        // Tools for other tasks are split by name only; their parameters and descriptions are shared.
        var keys = ordered.SelectMany(t => t.Family == "other" ? (string[])[$"app-tool:{t.Name}"]
            : [$"app-tool:{t.Name}", $"app-parameter:{t.Parameter}", $"app-description:{t.Description}"]).ToArray();
        return (system, systemKey, ordered, keys);
    }

    /// <summary>A place: in training half made up, half real; held out, real. Real ones are drawn evenly over kinds.</summary>
    private (string Key, PlaceKind? Kind, string Name) Place()
    {
        if (split == DataSplit.Train && random.Next(2) == 0)
        {
            var name = SyntheticNames.Place(random, places.SpellsHeldOutName);
            return ($"city:made-up:{name}", null, name);
        }

        var (kind, real) = places.Draw(random, split);
        return ($"app-place:{real}", kind, real);
    }

    private (string Key, string Question) Question(string family, string[] forms, string value)
    {
        var (_, form) = Pick(Of(forms, split));
        return ($"app-phrasing:{family}:{ComposedQuestions.Key(form)}", Format(form, value));
    }

    /// <summary>A condition: the generator's conditions of the split, multi-word ones, or (training) made-up words.</summary>
    private (string Key, string Condition) Condition()
    {
        if (split == DataSplit.Train && random.Next(3) == 0)
        {
            var word = SyntheticNames.Condition(random, places.SpellsHeldOutName);
            return ($"condition:made-up:{word}", word);
        }

        if (random.Next(2) == 0)
        {
            var (index, condition) = Pick(Of(MultiWordConditions, split));
            return ($"app-condition:{index}", condition);
        }

        var (generatorIndex, generatorCondition) = Pick(Of(Conditions, split));
        return ($"condition:{generatorIndex}", generatorCondition);
    }

    /// <summary>A temperature as a tool writes it: an integer, or a third of the time with one decimal (<c>-3.5</c>).</summary>
    private string Temperature()
    {
        var degrees = Draw(-15, 40, t => t);
        return random.Next(3) > 0 ? degrees.ToString(CultureInfo.InvariantCulture) : $"{degrees}.{random.Next(1, 10)}";
    }

    // No draw at all when composing is off, so earlier runs' data (and the held-out split) keep their sequence.
    private bool Composed() => composedResults > 0 && random.NextDouble() < composedResults;

    private int Draw(int min, int max, Func<int, long> atom) => draws.Draw(min, max, atom);

    private T Pick<T>(IReadOnlyList<T> items) => draws.Pick(items);

    private static string Format(string template, params object[] values) => string.Format(CultureInfo.InvariantCulture, template, values);
}
