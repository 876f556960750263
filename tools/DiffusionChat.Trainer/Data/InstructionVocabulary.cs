namespace DiffusionChat.Trainer.Data;

/// <summary>
/// The content pools of the generated instruction set. Each pool is split by position: every fifth entry (index % 5 == 4)
/// belongs to the held-out split, the others to training, so the split never depends on a random draw.
/// </summary>
internal static class InstructionVocabulary
{
    public static readonly string[] Cities =
    [
        "Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Warsaw", "Budapest", "Lisbon",
        "Dublin", "Oslo", "Stockholm", "Helsinki", "Copenhagen", "Amsterdam", "Brussels", "Zurich", "Geneva", "Athens",
        "Istanbul", "Cairo", "Nairobi", "Lagos", "Accra", "Dakar", "Casablanca", "Tunis", "Addis Ababa", "Kampala",
        "Tokyo", "Osaka", "Kyoto", "Seoul", "Busan", "Beijing", "Shanghai", "Shenzhen", "Hong Kong", "Taipei",
        "Bangkok", "Hanoi", "Manila", "Jakarta", "Singapore", "Kuala Lumpur", "Delhi", "Mumbai", "Chennai", "Karachi",
        "Dhaka", "Kathmandu", "Tehran", "Baghdad", "Riyadh", "Dubai", "Doha", "Amman", "Beirut", "Tbilisi",
        "Moscow", "Kyiv", "Minsk", "Riga", "Vilnius", "Tallinn", "Bucharest", "Sofia", "Belgrade", "Zagreb",
        "New York", "Boston", "Chicago", "Denver", "Seattle", "Miami", "Houston", "Dallas", "Atlanta", "Phoenix",
        "Toronto", "Montreal", "Vancouver", "Calgary", "Ottawa", "Mexico City", "Havana", "Bogota", "Lima", "Quito",
        "Santiago", "Buenos Aires", "Montevideo", "Caracas", "La Paz", "Sydney", "Melbourne", "Perth", "Auckland", "Wellington",
        "Reykjavik", "Edinburgh", "Glasgow", "Cardiff", "Belfast", "Lyon", "Marseille", "Munich", "Hamburg", "Milan",
        "Naples", "Porto", "Seville", "Valencia", "Krakow", "Gdansk", "Salzburg", "Bergen", "Gothenburg", "Antwerp",
    ];

    public static readonly string[] Conditions =
    [
        "sunny", "cloudy", "rainy", "windy", "snowy", "foggy", "clear", "stormy", "drizzly", "overcast",
        "hazy", "humid", "frosty", "mild", "breezy",
    ];

    public static readonly string[] WeatherQuestions =
    [
        "What is the weather in {0}?", "How is the weather in {0} today?", "What's the weather like in {0}?",
        "Is it raining in {0}?", "Tell me the weather in {0}.", "Can you check the weather in {0}?",
        "How warm is it in {0} right now?", "weather in {0}?", "Do I need an umbrella in {0}?",
        "What's the temperature in {0}?", "I am flying to {0}. What is the weather there?", "Is it cold in {0}?",
        "Could you look up the current weather for {0}?", "How hot is it in {0}?", "Give me the forecast for {0}.",
        "Please get the weather for {0}.", "What are conditions like in {0} now?", "Weather report for {0}, please.",
        "Should I wear a coat in {0} today?", "Any idea what the weather is in {0}?",
    ];

    /// <summary>
    /// The one answer form of its family, shared by both splits: questions come in many phrasings, answers in one. A
    /// masked or simplex model predicts every answer position at once, so a family with several equally likely answer
    /// forms gets their positions mixed (measured in session 4: "The is is is in degrees."); one form per family
    /// leaves only the copied values to decide. Arguments: {0} city, {1} temperature, {2} condition.
    /// </summary>
    public const string WeatherAnswer = "It is {2} and {1} degrees in {0}.";

    public static readonly string[] TimeQuestions =
    [
        "What time is it in {0}?", "What's the time in {0}?", "Tell me the current time in {0}.", "time in {0}?",
        "Can you check the local time in {0}?", "What is the local time in {0} right now?",
        "I need to call someone in {0}. What time is it there?", "Do you know the time in {0}?",
        "Please look up the time in {0}.", "How late is it in {0}?",
    ];

    /// <summary>The one time answer (see <see cref="WeatherAnswer"/>): {0} city, {1} clock time.</summary>
    public const string TimeAnswer = "It is {1} in {0}.";

    public static readonly (string Country, string Capital)[] Capitals =
    [
        ("France", "Paris"), ("Germany", "Berlin"), ("Spain", "Madrid"), ("Italy", "Rome"), ("Austria", "Vienna"),
        ("Poland", "Warsaw"), ("Hungary", "Budapest"), ("Portugal", "Lisbon"), ("Ireland", "Dublin"), ("Norway", "Oslo"),
        ("Sweden", "Stockholm"), ("Finland", "Helsinki"), ("Denmark", "Copenhagen"), ("Greece", "Athens"), ("Egypt", "Cairo"),
        ("Kenya", "Nairobi"), ("Ghana", "Accra"), ("Senegal", "Dakar"), ("Japan", "Tokyo"), ("South Korea", "Seoul"),
        ("China", "Beijing"), ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"), ("Indonesia", "Jakarta"), ("India", "New Delhi"),
        ("Nepal", "Kathmandu"), ("Iran", "Tehran"), ("Iraq", "Baghdad"), ("Jordan", "Amman"), ("Georgia", "Tbilisi"),
        ("Russia", "Moscow"), ("Ukraine", "Kyiv"), ("Latvia", "Riga"), ("Estonia", "Tallinn"), ("Romania", "Bucharest"),
        ("Bulgaria", "Sofia"), ("Serbia", "Belgrade"), ("Croatia", "Zagreb"), ("Canada", "Ottawa"), ("Mexico", "Mexico City"),
        ("Cuba", "Havana"), ("Colombia", "Bogota"), ("Peru", "Lima"), ("Ecuador", "Quito"), ("Chile", "Santiago"),
        ("Argentina", "Buenos Aires"), ("Uruguay", "Montevideo"), ("Australia", "Canberra"), ("New Zealand", "Wellington"), ("Iceland", "Reykjavik"),
    ];

    public static readonly string[] CapitalQuestions =
    [
        "What is the capital of {0}?", "What's the capital city of {0}?", "Which city is the capital of {0}?",
        "capital of {0}?", "Name the capital of {0}.", "Tell me the capital of {0}.", "Do you know the capital of {0}?",
        "Where is the seat of government of {0}?", "{0} has which capital?", "What city serves as the capital of {0}?",
    ];

    /// <summary>The one capital answer (see <see cref="WeatherAnswer"/>): {0} country, {1} capital.</summary>
    public const string CapitalAnswer = "The capital of {0} is {1}.";

    public static readonly (string User, string Assistant)[] SmallTalk =
    [
        ("Hello!", "Hello! How can I help you today?"), ("Hi", "Hi! What can I do for you?"),
        ("Good morning", "Good morning! How can I help?"), ("Hey there", "Hey! What do you need?"),
        ("Good evening", "Good evening! What can I do for you?"), ("How are you?", "I am doing well, thank you. How can I help?"),
        ("Thanks!", "You are welcome!"), ("Thank you very much", "Glad I could help."),
        ("Who are you?", "I am a small assistant model. I can check the weather and time, and answer simple questions."),
        ("Bye", "Goodbye! Have a nice day."), ("What can you do?", "I can look up the weather and the time, name capitals, sort and reverse words, and do small sums."),
        ("Good night", "Good night! Sleep well."), ("Tell me a joke", "Why did the bicycle fall over? It was two tired."),
        ("Are you a robot?", "I am a language model, a computer program that writes text."), ("Nice to meet you", "Nice to meet you too!"),
        ("See you later", "See you later!"), ("I am bored", "How about a quick puzzle? Ask me to sort some words."),
        ("What is your name?", "I am DiffusionChat's small assistant."), ("Cheers", "Cheers! Anything else?"),
        ("Howdy", "Howdy! How can I help?"),
    ];

    public static readonly string[] Words =
    [
        "apple", "river", "stone", "cloud", "garden", "window", "pencil", "orange", "forest", "bridge",
        "candle", "mirror", "rocket", "silver", "tiger", "violin", "yellow", "zebra", "anchor", "basket",
        "castle", "dragon", "engine", "feather", "guitar", "harbor", "island", "jacket", "kettle", "ladder",
        "magnet", "needle", "ocean", "planet", "quartz", "rabbit", "saddle", "tunnel", "umbrella", "valley",
        "wagon", "yogurt", "acorn", "banana", "cactus", "desert", "eagle", "falcon", "glacier", "hammer",
        "igloo", "jungle", "koala", "lemon", "meadow", "nectar", "olive", "parrot", "quiet", "ribbon",
        "salmon", "tomato", "unicorn", "velvet", "walnut", "butter", "copper", "donkey", "empire", "fabric",
        "goblet", "helmet", "insect", "jigsaw", "kitten", "lizard", "marble", "noodle", "oyster", "pepper",
        "puzzle", "rescue", "sunset", "thunder", "upload", "voyage", "winter", "yarn", "zipper", "almond",
        "blossom", "cookie", "dolphin", "easel", "fossil", "gravel", "hollow", "ivory", "jewel", "kernel",
    ];

    public static readonly string[] SortQuestions =
    [
        "Sort these words alphabetically: {0}", "Put in alphabetical order: {0}", "Alphabetize: {0}",
        "Can you sort {0} from A to Z?", "Order these words: {0}", "sort: {0}", "Please arrange alphabetically: {0}",
        "Sort the list {0}.", "Which order do {0} go in alphabetically?", "Arrange {0} in dictionary order.",
    ];

    /// <summary>
    /// Phrasings of the echo task (repeat the given names back). Why it exists: copying a name from the question is
    /// what tool calls need, and in tool chats it is a few tokens of each answer; a task whose whole answer is a copy
    /// gives that skill a strong signal of its own.
    /// </summary>
    public static readonly string[] EchoQuestions =
    [
        "Repeat after me: {0}", "Say {0}.", "Please say {0}", "Echo this: {0}", "Write {0} back to me.",
        "Copy this exactly: {0}", "Can you repeat {0}?", "Type {0}.", "repeat: {0}", "Say back the words {0}.",
    ];

    public static readonly string[] ReverseQuestions =
    [
        "Reverse the order of these words: {0}", "Say these words backwards: {0}", "reverse: {0}",
        "Can you reverse {0}?", "Write {0} in reverse order.", "Flip the word order: {0}", "Read {0} from last to first.",
        "Please reverse the words {0}.", "Turn around this list: {0}", "Give me {0} reversed.",
    ];

    public static readonly string[] ArithmeticQuestions =
    [
        "What is {0} {1} {2}?", "Compute {0} {1} {2}.", "{0} {1} {2} = ?", "How much is {0} {1} {2}?", "Calculate {0} {1} {2}.",
        "What do you get for {0} {1} {2}?", "Please work out {0} {1} {2}.", "{0} {1} {2}?", "Solve {0} {1} {2}.",
        "Quick math: {0} {1} {2}",
    ];

    /// <summary>The one arithmetic answer (see <see cref="WeatherAnswer"/>): operands {0} and {2}, operator {1}, value {3}.</summary>
    public const string ArithmeticAnswer = "{0} {1} {2} = {3}.";

    /// <summary>Every held-out place name, condition and word (what made-up training names must never contain).</summary>
    public static string[] HeldOutAtoms() =>
        Of(Cities, DataSplit.HeldOut).Select(c => c.Value)
            .Concat(Of(Conditions, DataSplit.HeldOut).Select(c => c.Value))
            .Concat(Of(Words, DataSplit.HeldOut).Select(w => w.Value))
            .ToArray();

    /// <summary>Whether the entry at <paramref name="index"/> of a pool belongs to the held-out split.</summary>
    public static bool IsHeldOut(int index) => index % 5 == 4;

    /// <summary>The entries of a pool that belong to <paramref name="split"/>, with their pool indices.</summary>
    public static IReadOnlyList<(int Index, T Value)> Of<T>(IReadOnlyList<T> pool, DataSplit split) =>
        pool.Select((value, index) => (index, value)).Where(e => IsHeldOut(e.index) == (split == DataSplit.HeldOut)).ToList();

    /// <summary>
    /// Whether a numeric atom (temperature, clock time, operand pair) is held out; a hash keeps held-out numbers spread
    /// over the whole range instead of one block.
    /// </summary>
    public static bool IsHeldOutNumber(long value) => (int)((ulong)((value * 2654435761L) ^ (value >> 3)) % 5) == 4;
}
