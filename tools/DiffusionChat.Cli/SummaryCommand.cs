using DiffusionChat.Checkpoints;

namespace DiffusionChat.Cli;

/// <summary><c>summary &lt;folder&gt;</c>: opens a checkpoint folder and prints its config and weights.</summary>
internal static class SummaryCommand
{
    public static Task<int> RunAsync(string[] args)
    {
        if (args.Length != 1)
        {
            Console.Error.WriteLine("usage: summary <checkpoint-folder>");
            return Task.FromResult(2);
        }

        using var checkpoint = CheckpointFolder.Open(args[0]);
        Console.WriteLine($"checkpoint: {checkpoint.Directory}");
        Console.WriteLine($"config.json: {checkpoint.Config.GetRawText()}");
        long parameters = 0;
        foreach (var name in checkpoint.TensorNames.Order(StringComparer.Ordinal))
        {
            var info = checkpoint.Info(name);
            parameters += info.ElementCount;
            Console.WriteLine($"  {name}  {info.DType}[{string.Join(",", info.Shape)}]");
        }

        Console.WriteLine($"{checkpoint.TensorNames.Count} tensors, {parameters:N0} elements in {checkpoint.Files.Count} file(s)");
        return Task.FromResult(0);
    }
}
