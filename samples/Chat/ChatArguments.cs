using System.Globalization;

namespace DiffusionChat.Samples.Chat;

/// <summary>The chat sample's command line, parsed once.</summary>
/// <param name="Model">Model folder; null = the default (<c>models/dc-masked</c>) when present.</param>
/// <param name="Once">One-shot prompt: answer it, print, exit.</param>
/// <param name="Animate">Show the answer block denoising step by step (masked models).</param>
/// <param name="MaxTokens">Answer token budget.</param>
/// <param name="Steps">Denoising steps per block; null = the model's default.</param>
/// <param name="BlockLength">Block length; null = the model's default.</param>
/// <param name="Seed">Sampling seed; null = random.</param>
/// <param name="Tools">Offer the demo tools.</param>
/// <param name="Infill">A text whose <c>[MASK]</c> blanks the model fills (masked models): print it filled, exit.</param>
/// <param name="BlankTokens">Tokens per blank for <paramref name="Infill"/>.</param>
internal sealed record ChatArguments(string? Model, string? Once, bool Animate, int MaxTokens, int? Steps, int? BlockLength, long? Seed, bool Tools = true, string? Infill = null, int BlankTokens = 4)
{
    public const string Usage =
        "usage: DiffusionChat.Samples.Chat [--model <folder>] [--once \"prompt\"] [--animate] [--max-tokens N] [--steps N] [--block-length N] [--seed N] [--no-tools] [--infill \"text with [MASK] blanks\" [--blank-tokens N]]";

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="ArgumentException">An unknown flag, a flag without its value, or a value that is not a positive integer.</exception>
    public static ChatArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var parsed = new ChatArguments(null, null, false, 64, null, null, null);
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value. {Usage}", nameof(args));
            parsed = args[i] switch
            {
                "--model" => parsed with { Model = Value() },
                "--once" => parsed with { Once = Value() },
                "--animate" => parsed with { Animate = true },
                "--no-tools" => parsed with { Tools = false },
                "--infill" => parsed with { Infill = Value() },
                "--blank-tokens" => parsed with { BlankTokens = Positive("--blank-tokens", Value()) },
                "--max-tokens" => parsed with { MaxTokens = Positive("--max-tokens", Value()) },
                "--steps" => parsed with { Steps = Positive("--steps", Value()) },
                "--block-length" => parsed with { BlockLength = Positive("--block-length", Value()) },
                "--seed" => parsed with { Seed = long.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long s) ? s : throw new ArgumentException($"--seed '{args[i]}' is not an integer.", nameof(args)) },
                _ => throw new ArgumentException($"Unknown argument '{args[i]}'. {Usage}", nameof(args)),
            };
        }

        return parsed;
    }

    private static int Positive(string flag, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{flag} '{text}' is not valid; it must be a positive integer.", nameof(text));
}
