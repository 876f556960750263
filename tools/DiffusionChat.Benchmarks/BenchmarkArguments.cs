using System.Globalization;

namespace DiffusionChat.Benchmarks;

/// <summary>Command-line settings shared by the commands.</summary>
internal sealed record BenchmarkArguments
{
    public List<string> MaskedFolders { get; } = [];

    public List<string> AutoregressiveFolders { get; } = [];

    public List<string> SimplexFolders { get; } = [];

    public bool Quick { get; init; }

    public int Repeats { get; init; } = 3;

    public IReadOnlyList<int> Lengths { get; init; } = [64, 128, 256, 512];

    public IReadOnlyList<int> ConcurrencyLevels { get; init; } = [1, 2, 4, 8, 16];

    public string DocsFolder { get; init; } = "docs";

    public string CommandLine { get; init; } = "";

    public int Requests { get; init; } = 1000;

    public int SoakConcurrency { get; init; } = 8;

    public int SoakAnswerTokens { get; init; } = 16;

    /// <summary><c>http</c>: rounds per level at least (each path runs every round); <c>forward</c>: rounds (default 5), each at 1 and 2 threads.</summary>
    public int Rounds { get; init; } = 16;

    /// <summary><c>forward</c>: rows of the batched measurements (default 8, at least 2).</summary>
    public int Batch { get; init; } = 8;

    /// <summary><c>http</c>: answer tokens asked per request (<c>max_tokens</c>).</summary>
    public int HttpAnswerTokens { get; init; } = 64;

    /// <summary>Parses the options of <paramref name="command"/>: <c>--masked DIR</c>, <c>--simplex DIR</c>, <c>--ar DIR</c> (repeatable), <c>--quick</c>, <c>--repeats N</c>,
    /// <c>--lengths a,b</c>, <c>--concurrency a,b</c>, <c>--docs DIR</c>, <c>--requests N</c>, <c>--soak-concurrency N</c>, <c>--soak-tokens N</c>,
    /// <c>--rounds N</c>, <c>--http-tokens N</c>, <c>--batch N</c>. The <c>http</c> command defaults to concurrency 1,8,32, at least 16 rounds and at least 32
    /// requests per path and level.</summary>
    /// <exception cref="ArgumentException">An unknown flag or a malformed value.</exception>
    public static BenchmarkArguments Parse(string command, IReadOnlyList<string> args)
    {
        bool quick = args.Contains("--quick");
        var parsed = new BenchmarkArguments
        {
            Quick = quick,
            Repeats = quick ? 2 : 3,
            Lengths = quick ? [64, 128] : [64, 128, 256, 512],
            ConcurrencyLevels = command == "http" ? [1, 8, 32] : quick ? [1, 4] : [1, 2, 4, 8, 16],
            Requests = command == "http" ? 32 : 1000,
            Rounds = command == "forward" ? 5 : 16,
            CommandLine = $"dotnet run -c Release --project tools/DiffusionChat.Benchmarks -- {command} {string.Join(' ', args)}",
        };
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option '{args[i]}' needs a value.");
            switch (args[i])
            {
                case "--quick":
                    break;
                case "--masked":
                    parsed.MaskedFolders.Add(Value());
                    break;
                case "--simplex":
                    parsed.SimplexFolders.Add(Value());
                    break;
                case "--ar":
                    parsed.AutoregressiveFolders.Add(Value());
                    break;
                case "--repeats":
                    parsed = parsed with { Repeats = Positive("--repeats", Value()) };
                    break;
                case "--lengths":
                    parsed = parsed with { Lengths = List("--lengths", Value()) };
                    break;
                case "--concurrency":
                    parsed = parsed with { ConcurrencyLevels = List("--concurrency", Value()) };
                    break;
                case "--docs":
                    parsed = parsed with { DocsFolder = Value() };
                    break;
                case "--requests":
                    parsed = parsed with { Requests = Positive("--requests", Value()) };
                    break;
                case "--soak-concurrency":
                    parsed = parsed with { SoakConcurrency = Positive("--soak-concurrency", Value()) };
                    break;
                case "--soak-tokens":
                    parsed = parsed with { SoakAnswerTokens = Positive("--soak-tokens", Value()) };
                    break;
                case "--rounds":
                    parsed = parsed with { Rounds = Positive("--rounds", Value()) };
                    break;
                case "--batch":
                    parsed = parsed with { Batch = AtLeast("--batch", Value(), 2, "it is compared with batch 1") };
                    break;
                case "--http-tokens":
                    parsed = parsed with { HttpAnswerTokens = Positive("--http-tokens", Value()) };
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. Allowed: --masked DIR, --simplex DIR, --ar DIR, --quick, --repeats N, --lengths a,b, --concurrency a,b, --docs DIR, --requests N, --soak-concurrency N, --soak-tokens N, --rounds N, --http-tokens N, --batch N.");
            }
        }

        return parsed;
    }

    private static int Positive(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer; got '{text}'.");

    private static int AtLeast(string name, string text, int minimum, string why) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= minimum ? n : throw new ArgumentException($"{name} must be an integer of at least {minimum} ({why}); got '{text}'.");

    private static List<int> List(string name, string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => Positive(name, t.Trim())).ToList();
}
