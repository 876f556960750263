using DiffusionChat.Cli.TinyModels;

namespace DiffusionChat.Cli;

/// <summary>
/// <c>make-tiny-model &lt;folder&gt; [--family masked|simplex|ar] [--tokenizer &lt;folder&gt;] [--seed N]</c>: writes a
/// tiny random model folder (see <see cref="TinyModelWriter"/>) for trying the samples before a trained model exists.
/// </summary>
internal static class MakeTinyModelCommand
{
    private const string Usage = "usage: make-tiny-model <folder> [--family masked|simplex|ar] [--tokenizer <folder>] [--seed N]";

    public static Task<int> RunAsync(string[] args)
    {
        string? folder = null, tokenizer = null;
        var family = TinyModelFamily.Masked;
        int seed = 7;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--family" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out family) || !Enum.IsDefined(family))
                    {
                        Console.Error.WriteLine($"--family '{args[i]}' is not valid. Allowed: masked, simplex, ar.");
                        return Task.FromResult(2);
                    }

                    break;
                case "--tokenizer" when i + 1 < args.Length:
                    tokenizer = args[++i];
                    break;
                case "--seed" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out seed))
                    {
                        Console.Error.WriteLine($"--seed '{args[i]}' is not an integer.");
                        return Task.FromResult(2);
                    }

                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || folder is not null)
                    {
                        Console.Error.WriteLine($"Unexpected argument '{args[i]}'. {Usage}");
                        return Task.FromResult(2);
                    }

                    folder = args[i];
                    break;
            }
        }

        if (folder is null)
        {
            Console.Error.WriteLine(Usage);
            return Task.FromResult(2);
        }

        tokenizer ??= FindRepositoryTokenizer();
        if (tokenizer is null)
        {
            Console.Error.WriteLine("No tokenizer folder: pass --tokenizer <folder> (the repository's models/tokenizer was not found above the current or the tool's folder).");
            return Task.FromResult(2);
        }

        TinyModelWriter.Write(folder, family, tokenizer, seed);
        Console.WriteLine($"wrote a tiny random {family.ToString().ToLowerInvariant()} model to {Path.GetFullPath(folder)} (tokenizer from {Path.GetFullPath(tokenizer)}, seed {seed})");
        return Task.FromResult(0);
    }

    private static string? FindRepositoryTokenizer()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "models", "tokenizer");
                if (File.Exists(Path.Combine(candidate, "vocab.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
