using DiffusionChat.Tools;

namespace DiffusionChat.Trainer;

/// <summary>Dispatches <c>DiffusionChat.Trainer &lt;command&gt; ...</c> to one command class per verb.</summary>
internal static class TrainerCommandLine
{
    // The first Ctrl+C stops cleanly (the trainer writes a resumable checkpoint); a second one kills the process.
    private static readonly CommandDispatcher Dispatcher = new(
        new Dictionary<string, Func<string[], CancellationToken, Task<int>>>(StringComparer.Ordinal)
        {
            ["data"] = DataCommand.RunAsync,
            ["tokenizer"] = TokenizerCommand.RunAsync,
            ["train"] = TrainCommand.RunAsync,
            ["eval"] = EvalCommand.RunAsync,
            ["probe"] = ProbeCommand.RunAsync,
            ["scaffold-eval"] = ScaffoldEvalCommand.RunAsync,
        },
        PrintUsage,
        stopOnCtrlC: true);

    /// <summary>Runs the command named by <c>args[0]</c>; returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args) => Dispatcher.RunAsync(args);

    private static void PrintUsage()
    {
        Console.WriteLine("usage: DiffusionChat.Trainer <command> [options]");
        Console.WriteLine("  data --out <folder> [--train N] [--heldout N] [--seed S] [--brown <package-folder>] [--places <folder> [--app-share 0.5]]");
        Console.WriteLine("      write the generated instruction set (and Brown sentences) as JSONL / text; with --places, training mixed with app prompts and the realistic split");
        Console.WriteLine("  tokenizer --out <folder> [--vocab 3072] [--brown <package-folder>] [--chat 20000] [--seed S] [--context 256]");
        Console.WriteLine("      train the byte-level BPE tokenizer and write vocab.json, merges.txt, tokenizer_config.json");
        Console.WriteLine(TrainCommand.Usage);
        Console.WriteLine("      train a model (resumable) and write a Hugging Face-layout folder with a model card");
        Console.WriteLine(EvalCommand.Usage);
        Console.WriteLine("      held-out accuracy per task family with the model's default settings (generator split, and/or realistic split through the public client)");
        Console.WriteLine(ProbeCommand.Usage);
        Console.WriteLine("      masked models: in which masking states one forward pass copies the tool name and place of held-out calls");
        Console.WriteLine(ScaffoldEvalCommand.Usage);
        Console.WriteLine("      tool calls and typed JSON answers by scaffolding vs free decoding: validity, accuracy, forward passes");
    }
}
