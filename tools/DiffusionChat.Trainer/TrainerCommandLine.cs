namespace DiffusionChat.Trainer;

/// <summary>Dispatches <c>DiffusionChat.Trainer &lt;command&gt; ...</c> to one command class per verb.</summary>
internal static class TrainerCommandLine
{
    private static readonly Dictionary<string, Func<string[], CancellationToken, Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["data"] = DataCommand.RunAsync,
        ["tokenizer"] = TokenizerCommand.RunAsync,
        ["train"] = TrainCommand.RunAsync,
        ["eval"] = EvalCommand.RunAsync,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage();
            return args.Length == 0 ? 2 : 0;
        }

        if (!Commands.TryGetValue(args[0], out var command))
        {
            await Console.Error.WriteLineAsync($"Unknown command '{args[0]}'. Commands: {string.Join(", ", Commands.Keys)}.").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C stops cleanly (the trainer writes a resumable checkpoint); a second one kills the process.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };
        try
        {
            return await command(args[1..], cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
#pragma warning disable CA1031 // A command-line tool reports any failure as a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static void PrintUsage()
    {
        Console.WriteLine("usage: DiffusionChat.Trainer <command> [options]");
        Console.WriteLine("  data --out <folder> [--train N] [--heldout N] [--seed S] [--brown <package-folder>]");
        Console.WriteLine("      write the generated instruction set (and Brown sentences) as JSONL / text");
        Console.WriteLine("  tokenizer --out <folder> [--vocab 3072] [--brown <package-folder>] [--chat 20000] [--seed S] [--context 256]");
        Console.WriteLine("      train the byte-level BPE tokenizer and write vocab.json, merges.txt, tokenizer_config.json");
        Console.WriteLine(TrainCommand.Usage);
        Console.WriteLine("      train a model (resumable) and write a Hugging Face-layout folder with a model card");
        Console.WriteLine(EvalCommand.Usage);
        Console.WriteLine("      held-out accuracy per task family with the model's default sampler settings");
    }
}
