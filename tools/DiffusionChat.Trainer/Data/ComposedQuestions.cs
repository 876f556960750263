using System.Text.RegularExpressions;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Training-only question forms for the two tools, composed from parts: a sentence frame around a noun phrase that
/// names what is asked for ("Could you check {the forecast} for X?"), plus whole sentences whose words point at one
/// tool ("Is it late in X?").
/// </summary>
/// <remarks>
/// Why: session 5's masked model failed 70 held-out calls, mostly by picking the wrong tool for an unseen question
/// form (`How late is it in X?` 29/29 went to the weather tool): 16 weather and 8 time forms are too few to learn
/// which words select which tool. Frames are shared by both tools, so only the noun phrase or predicate decides the
/// tool. A composed form that equals a held-out form once case, contractions, "please" and punctuation are ignored is
/// dropped, so every held-out sentence stays unseen; its parts (frame, noun phrase) do occur in other combinations,
/// which is the generalisation being measured.
/// <para>Session 16: whole sentences are drawn as often as framed forms (<see cref="ComposedForms"/>), and the time
/// sentences include forms that open like the weather ones ("How close to midnight is it in X?"). Before, a training
/// question opening with "How" was a weather question 97 % of the time (1,147 of 1,179 in 60,000 chats: "How hot is it",
/// "How warm is it", ...; the one time form of that shape, "How early is it in X?", was one of 237 composed time forms),
/// so the opening alone picked the tool. The masked models, fine-tuned on those data, learnt that: after 400 steps
/// they still sent `How late is it in X?` to the clock tool as the AR baseline does (29 of 29 held-out cases), after
/// 1,662 steps 15 of the 29 to the weather tool, although the training set's time forms use "late" and the weather
/// forms never do.</para>
/// </remarks>
internal static partial class ComposedQuestions
{
    /// <summary>Frames around a noun phrase: {N} is the noun phrase, {0} the place.</summary>
    private static readonly string[] Frames =
    [
        "What is {N} in {0}?", "What's {N} in {0}?", "Tell me {N} in {0}.", "Tell me {N} for {0}.", "Can you check {N} in {0}?",
        "Could you check {N} for {0}?", "Check {N} in {0}.", "Give me {N} for {0}.", "Give me {N} in {0}, please.",
        "Any idea what {N} is in {0}?", "Do you know {N} in {0}?", "Look up {N} in {0}.", "Please look up {N} for {0}.",
        "Show me {N} for {0}.", "I'd like to know {N} in {0}.", "I want to know {N} in {0}.", "{N} in {0}?",
        "{N} for {0}, please.", "Could you get {N} for {0}?", "Can you find {N} in {0}?", "Get me {N} in {0}.",
        "Need {N} for {0}.", "Quick question: what is {N} in {0}?", "Hey, what's {N} in {0} right now?",
        "What is {N} in {0} at the moment?",
    ];

    private static readonly string[] WeatherNouns =
    [
        "the weather", "the forecast", "the temperature", "the weather forecast", "the current weather", "today's weather",
        "the conditions", "the weather report", "the current temperature", "the outside temperature",
    ];

    private static readonly string[] TimeNouns =
    [
        "the time", "the local time", "the current time", "the time of day", "the clock time", "the current hour",
        "the hour", "the exact time", "the current local time",
    ];

    private static readonly string[] WeatherSentences =
    [
        "How cold is it in {0}?", "How warm is it in {0} today?", "Is it sunny in {0}?", "Is it snowing in {0}?",
        "Will it rain in {0} today?", "Is it windy in {0} right now?", "Is it hot in {0}?", "Do I need a jacket in {0}?",
        "Should I bring an umbrella to {0}?", "What should I wear in {0} today?", "Is the weather nice in {0}?",
        "How many degrees is it in {0}?", "Is it freezing in {0}?", "How is it outside in {0}?",
    ];

    private static readonly string[] TimeSentences =
    [
        "Is it late in {0}?", "Is it night in {0} now?", "Is it morning in {0} yet?", "What hour is it in {0}?",
        "How early is it in {0}?", "What o'clock is it in {0}?", "Is it still evening in {0}?",
        "What does the clock say in {0}?", "Is it too late to call someone in {0}?", "Is it past midnight in {0}?",
        "Is it lunchtime in {0}?", "Is it daytime in {0} at the moment?",
        "How close to midnight is it in {0}?", "How near to noon is it in {0}?", "How far into the night is it in {0}?",
        "How far past noon is it in {0}?", "How early in the day is it in {0}?", "How close to sunrise is it in {0}?",
        "How long is it until midnight in {0}?", "How long until lunchtime in {0}?", "How far along is the day in {0}?",
    ];

    /// <summary>Composed weather forms, none equal to a listed weather or time form of either split.</summary>
    public static readonly ComposedForms Weather = Compose(WeatherNouns, WeatherSentences);

    /// <summary>Composed time forms, none equal to a listed weather or time form of either split.</summary>
    public static readonly ComposedForms Time = Compose(TimeNouns, TimeSentences);

    /// <summary>
    /// The comparison key of a question form: lower case, contractions spelt out, "please" and punctuation dropped.
    /// Two forms with the same key count as the same sentence.
    /// </summary>
    public static string Key(string form)
    {
        var text = form.ToLowerInvariant().Replace("what's", "what is", StringComparison.Ordinal)
            .Replace("i'd", "i would", StringComparison.Ordinal).Replace("please", " ", StringComparison.Ordinal);
        return Spaces().Replace(NotWords().Replace(text, " "), " ").Trim();
    }

    private static ComposedForms Compose(string[] nouns, string[] sentences)
    {
        // Listed forms of both tools and both splits are excluded: held-out ones must stay unseen, training ones are
        // already drawn from their own pool.
        var listed = InstructionVocabulary.WeatherQuestions.Concat(InstructionVocabulary.TimeQuestions).Select(Key).ToHashSet(StringComparer.Ordinal);
        var framed = Frames.SelectMany(frame => nouns.Select(noun => Capitalise(frame.Replace("{N}", noun, StringComparison.Ordinal))));
        string[] Kept(IEnumerable<string> forms) => forms.Where(form => !listed.Contains(Key(form))).DistinctBy(Key).ToArray();
        return new ComposedForms(Kept(framed), Kept(sentences));
    }

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex(@"[^a-z0-9{}]+")]
    private static partial Regex NotWords();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
