using System.Globalization;

namespace DiffusionChat.Samples.AgentFramework;

/// <summary>The sample's command line, parsed once.</summary>
/// <param name="Model">Model folder; null = the default (<c>models/dc-masked</c>) when present.</param>
/// <param name="Turns">The user's messages, asked one after the other in one agent session.</param>
/// <param name="MaxTokens">Answer budget per model call.</param>
public sealed record AgentFrameworkArguments(string? Model, IReadOnlyList<string> Turns, int MaxTokens)
{
    /// <summary>One line saying how to call the sample.</summary>
    public const string Usage = "usage: DiffusionChat.Samples.AgentFramework [--model <folder>] [--turn \"message\"]... [--max-tokens N]";

    /// <summary>
    /// The conversation asked when no <c>--turn</c> is given: the second message names no place, so the agent needs the
    /// first turn (kept in its session) to know where "there" is.
    /// </summary>
    public static IReadOnlyList<string> DefaultTurns { get; } = ["What is the weather in Oslo?", "And the time there?"];

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown flag, a flag without its value, an empty turn, or a budget that is not a positive integer.</exception>
    public static AgentFrameworkArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? model = null;
        var turns = new List<string>();
        int maxTokens = 64;
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value. {Usage}");
            switch (flag)
            {
                case "--model":
                    model = Value();
                    break;
                case "--turn":
                    var turn = Value();
                    turns.Add(string.IsNullOrWhiteSpace(turn) ? throw new ArgumentException($"--turn '{turn}' is empty; give the message to send. {Usage}") : turn);
                    break;
                case "--max-tokens":
                    var text = Value();
                    maxTokens = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
                        ? n
                        : throw new ArgumentException($"--max-tokens '{text}' is not valid; it must be a positive integer.");
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{flag}'. {Usage}");
            }
        }

        return new AgentFrameworkArguments(model, turns.Count > 0 ? turns : DefaultTurns, maxTokens);
    }
}
