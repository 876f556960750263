namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Question forms and system texts as an application's users and developers write them, beyond the generator's
/// listed and composed forms: the place first or last, longer sentences, lower case, small talk around the question.
/// Each pool is split by position (<see cref="InstructionVocabulary.IsHeldOut"/>); the realistic eval uses the
/// held-out forms, whose comparison keys (<see cref="ComposedQuestions.Key"/>) no training form has.
/// </summary>
internal static class AppPhrasings
{
    /// <summary>Weather questions; {0} is the place.</summary>
    public static readonly string[] Weather =
    [
        "What's the weather like in {0} today?", "How's the weather in {0}?", "Weather for {0} please", "{0} weather?",
        "Is it going to be sunny in {0}?", "What is the current weather in {0}?", "Can you tell me the weather in {0}?",
        "I'm heading to {0}. How's the weather there?", "Do I need a raincoat in {0} today?", "what's it like outside in {0}",
        "Check the current conditions in {0}.", "How hot or cold is it in {0} right now?", "Is the weather good in {0} this afternoon?",
        "{0}: what's the temperature right now?", "My sister lives in {0}. Is it raining there?", "Tell me about the weather in {0}.",
        "What's the temperature outside in {0}?", "Could you find out how the weather is in {0}?", "Is it snowing or raining in {0} now?",
        "I'm planning a walk in {0}. What's the weather?", "How is the weather looking in {0}?", "weather {0}",
        "Give me the current weather conditions for {0}.", "Is it warm enough for a T-shirt in {0}?", "What's the weather doing in {0}?",
        "Before I fly to {0}, what is the weather like?", "Any rain in {0} right now?", "Report the weather in {0}.",
        "How are the skies over {0}?", "Do you know if it's cold in {0} at the moment?", "What weather should I expect in {0} today?",
        "Is it nice out in {0}?", "Can you look up the temperature in {0} for me?", "Hi, what's the weather in {0}?",
        "I'd like the weather for {0}, please.",
    ];

    /// <summary>Clock questions; {0} is the place.</summary>
    public static readonly string[] Time =
    [
        "What's the current time in {0}?", "What time is it right now in {0}?", "Time in {0} please", "{0} time?",
        "Is it morning or evening in {0} now?", "What is the local time in {0} at the moment?", "Can you tell me the time in {0}?",
        "My friend is in {0}. What time is it for her?", "Is it too early to phone {0}?", "what's the time over in {0}",
        "Check the clock in {0}.", "What time do they have in {0} now?", "Is it already night in {0}?",
        "{0}: what time is it?", "I have a meeting with a team in {0}. What's their local time?", "Tell me the local time in {0}.",
        "What hour is it over in {0}?", "Could you find out what time it is in {0}?", "Is it business hours in {0} right now?",
        "How late is it over in {0} now?", "Do you know the current time in {0}?", "time {0}",
        "Give me the local time for {0}.", "What's the clock showing in {0}?", "Hi, what time is it in {0}?",
    ];

    /// <summary>Capital questions; {0} is a country of the fact table (<see cref="InstructionVocabulary.Capitals"/>).</summary>
    public static readonly string[] Capital =
    [
        "What's {0}'s capital?", "Which city is the capital of {0}?", "capital city of {0}", "Name {0}'s capital city.",
        "What is the capital city of {0} called?", "Tell me what the capital of {0} is.", "I forgot the capital of {0}. What is it?",
        "What's the capital of {0} again?", "Can you tell me the capital of {0}?", "{0}: what is its capital?",
        "Quick quiz: the capital of {0}?", "Which city is {0}'s seat of government?", "What city is the capital of {0}?",
        "Do you happen to know the capital of {0}?", "What's the name of the capital of {0}?",
    ];

    /// <summary>System texts of apps that offer tools.</summary>
    public static readonly string[] SystemTexts =
    [
        "You are a helpful assistant.", "You are a travel assistant. Use the tools to answer questions about places.",
        "You are a concise assistant. Call a function when you need live data.", "Answer the user's questions. Use tools when they help.",
        "You are the assistant of a travel planning app.", "You help people plan trips. Keep answers short.",
        "You are a friendly assistant with access to tools.", "Use the available functions to answer.",
        "You are an assistant in a smart home app.", "You are a helpful AI assistant. Be brief.",
    ];
}
