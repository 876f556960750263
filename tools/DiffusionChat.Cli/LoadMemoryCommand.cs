using System.Diagnostics;
using System.Globalization;
using DiffusionChat.Checkpoints;
using DiffusionChat.Hosting;
using DiffusionChat.Models;
using DiffusionChat.Models.Sdar;
using TorchSharp;

namespace DiffusionChat.Cli;

/// <summary>
/// <c>load-memory &lt;folder&gt; [--dtype bfloat16|float32]</c>: loads a checkpoint folder's model on the CPU and
/// prints the bytes of its weights next to the process's peak resident set (<c>VmHWM</c>), so the memory a load costs
/// on top of the weights themselves is a measured figure. Linux only (the figures come from <c>/proc/self/status</c>).
/// </summary>
internal static class LoadMemoryCommand
{
    private const string Usage = "usage: load-memory <folder> [--dtype bfloat16|float32]";

    public static Task<int> RunAsync(string[] args)
    {
        string? folder = null;
        var dtype = torch.ScalarType.BFloat16;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--dtype" && i + 1 < args.Length)
            {
                try
                {
                    dtype = CheckpointChatModelLoader.ParseDType(args[++i]);
                }
                catch (ArgumentException ex)
                {
                    Console.Error.WriteLine($"{ex.Message} {Usage}");
                    return Task.FromResult(2);
                }
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) || folder is not null)
            {
                Console.Error.WriteLine($"Unexpected argument '{args[i]}'. {Usage}");
                return Task.FromResult(2);
            }
            else
            {
                folder = args[i];
            }
        }

        if (folder is null)
        {
            Console.Error.WriteLine(Usage);
            return Task.FromResult(2);
        }

        if (!ResidentMemory.IsAvailable)
        {
            Console.Error.WriteLine("load-memory reads /proc/self/status, which only Linux has.");
            return Task.FromResult(2);
        }

        // Load LibTorch's native libraries first, so the starting figure includes them.
        using (var warm = torch.ones(1))
        {
        }

        long start = ResidentMemory.Current();
        var clock = Stopwatch.StartNew();
        long weightBytes;
        using (var checkpoint = CheckpointFolder.Open(folder))
        {
            int elementSize = dtype == torch.ScalarType.Float32 ? 4 : 2; // ParseDType allows float32, float16, bfloat16
            weightBytes = checkpoint.TensorNames.Sum(name => checkpoint.Info(name).ElementCount * elementSize);
            using var model = Load(checkpoint, dtype);
        }

        var elapsed = clock.Elapsed;
        long peak = ResidentMemory.Peak();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"folder:              {Path.GetFullPath(folder)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"weights as {dtype}: {weightBytes,16:N0} bytes ({weightBytes / 1e9:F2} GB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"resident before:     {start,16:N0} bytes ({start / 1e9:F2} GB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak resident:       {peak,16:N0} bytes ({peak / 1e9:F2} GB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak - weights:      {peak - weightBytes,16:N0} bytes ({(peak - weightBytes) / 1e9:F2} GB)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load time:           {elapsed.TotalSeconds:F1} s"));
        return Task.FromResult(0);
    }

    private static IDisposable Load(CheckpointFolder checkpoint, torch.ScalarType dtype) =>
        checkpoint.Config.TryGetProperty("model_type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String
            && SdarDenoiser.ModelTypes.Contains(type.GetString()!, StringComparer.OrdinalIgnoreCase)
            ? SdarDenoiser.Load(checkpoint, torch.CPU, dtype)
            : DiffusionModel.Load(checkpoint, torch.CPU, dtype);
}
