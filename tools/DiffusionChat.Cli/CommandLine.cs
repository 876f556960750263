namespace DiffusionChat.Cli;

/// <summary>Dispatches <c>DiffusionChat.Cli &lt;command&gt; ...</c> to one command class per verb.</summary>
internal static class CommandLine
{
    private static readonly Dictionary<string, Func<string[], Task<int>>> Commands = new(StringComparer.Ordinal)
    {
        ["summary"] = SummaryCommand.RunAsync,
        ["golden"] = GoldenCommand.RunAsync,
        ["convert-ssdlm"] = ConvertSsdLmCommand.RunAsync,
        ["make-tiny-model"] = MakeTinyModelCommand.RunAsync,
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

        try
        {
            return await command(args[1..]).ConfigureAwait(false);
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
        Console.WriteLine("usage: DiffusionChat.Cli <command> [arguments]");
        Console.WriteLine("  summary <checkpoint-folder>   load a checkpoint folder and print its config and tensors");
        Console.WriteLine("  golden <fixture-folder>...   check fixture folders (shared/goldens layout) against this implementation");
        Console.WriteLine("  convert-ssdlm <folder> [--force]   write model.safetensors from a released SSD-LM folder's PyTorch pickles");
        Console.WriteLine("  make-tiny-model <folder> [--family masked|simplex|ar]   write a tiny random model folder (uses models/tokenizer)");
    }
}
