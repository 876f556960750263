using DiffusionChat.Tools;

namespace DiffusionChat.Cli;

/// <summary>Dispatches <c>DiffusionChat.Cli &lt;command&gt; ...</c> to one command class per verb.</summary>
internal static class CommandLine
{
    private static readonly CommandDispatcher Dispatcher = new(
        new Dictionary<string, Func<string[], CancellationToken, Task<int>>>(StringComparer.Ordinal)
        {
            ["summary"] = (args, _) => SummaryCommand.RunAsync(args),
            ["golden"] = (args, _) => GoldenCommand.RunAsync(args),
            ["convert-ssdlm"] = (args, _) => ConvertSsdLmCommand.RunAsync(args),
            ["make-tiny-model"] = (args, _) => MakeTinyModelCommand.RunAsync(args),
            ["make-synthetic-checkpoint"] = (args, _) => MakeSyntheticCheckpointCommand.RunAsync(args),
            ["load-memory"] = (args, _) => LoadMemoryCommand.RunAsync(args),
        },
        PrintUsage,
        stopOnCtrlC: false); // the commands take no token: Ctrl+C ends the process at once

    /// <summary>Runs the command named by <c>args[0]</c>; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args) => Dispatcher.RunAsync(args);

    private static void PrintUsage()
    {
        Console.WriteLine("usage: DiffusionChat.Cli <command> [arguments]");
        Console.WriteLine("  summary <checkpoint-folder>   load a checkpoint folder and print its config and tensors");
        Console.WriteLine("  golden <fixture-folder>...   check fixture folders (tests/fixtures/goldens layout) against this implementation");
        Console.WriteLine("  convert-ssdlm <folder> [--force]   write model.safetensors from a released SSD-LM folder's PyTorch pickles");
        Console.WriteLine("  make-tiny-model <folder> [--family masked|simplex|ar]   write a tiny random model folder (uses models/tokenizer)");
        Console.WriteLine("  make-synthetic-checkpoint <folder> --shape dream-7b|sdar-8b [--dtype bfloat16]   write a released model's tensors (random values) as shards");
        Console.WriteLine("  load-memory <folder> [--dtype bfloat16|float32]   load a checkpoint on the CPU and print its weight bytes and the peak resident set");
    }
}
