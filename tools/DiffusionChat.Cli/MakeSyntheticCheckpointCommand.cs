using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DiffusionChat.Checkpoints;
using DiffusionChat.Cli.Synthetic;
using DiffusionChat.Hosting;
using DiffusionChat.Models.Qwen;
using TorchSharp;

namespace DiffusionChat.Cli;

/// <summary>
/// <c>make-synthetic-checkpoint &lt;folder&gt; --shape dream-7b|sdar-8b [--dtype bfloat16|float32] [--shard-gb N]
/// [--seed N]</c>: writes a sharded folder with a released model's exact tensor names, shapes and size and random
/// values (N(0, 0.02²) matrices, unit norms), for measuring what loading a checkpoint of that size costs without
/// downloading one. Only one shard's tensors exist in memory at a time.
/// </summary>
internal static class MakeSyntheticCheckpointCommand
{
    private const string Usage = "usage: make-synthetic-checkpoint <folder> --shape dream-7b|sdar-8b [--dtype bfloat16|float32] [--shard-gb N] [--seed N]";

    public static Task<int> RunAsync(string[] args)
    {
        string? folder = null;
        SyntheticShape? shape = null;
        var dtype = torch.ScalarType.BFloat16;
        double shardGigabytes = 5;
        int seed = 7;
        try
        {
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--shape" when i + 1 < args.Length:
                        var name = args[++i];
                        shape = SyntheticShape.All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                            ?? throw new ArgumentException($"--shape '{name}' is not known. Allowed: {string.Join(", ", SyntheticShape.All.Select(s => s.Name))}.");
                        break;
                    case "--dtype" when i + 1 < args.Length:
                        dtype = CheckpointChatModelLoader.ParseDType(args[++i]);
                        break;
                    case "--shard-gb" when i + 1 < args.Length:
                        if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out shardGigabytes) || !(shardGigabytes > 0))
                        {
                            throw new ArgumentException($"--shard-gb '{args[i]}' is not a positive number of gigabytes.");
                        }

                        break;
                    case "--seed" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
                        {
                            throw new ArgumentException($"--seed '{args[i]}' is not an integer.");
                        }

                        break;
                    default:
                        if (args[i].StartsWith("--", StringComparison.Ordinal) || folder is not null)
                        {
                            throw new ArgumentException($"Unexpected argument '{args[i]}'.");
                        }

                        folder = args[i];
                        break;
                }
            }
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"{ex.Message} {Usage}");
            return Task.FromResult(2);
        }

        if (folder is null || shape is null)
        {
            Console.Error.WriteLine(Usage);
            return Task.FromResult(2);
        }

        var clock = Stopwatch.StartNew();
        long bytes = Write(folder, shape, dtype, (long)(shardGigabytes * 1e9), seed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote a synthetic {shape.Name} checkpoint ({dtype}, {bytes:N0} bytes of weights) to {Path.GetFullPath(folder)} in {clock.Elapsed.TotalSeconds:F0} s"));
        return Task.FromResult(0);
    }

    /// <summary>Writes config.json and the shards; returns the bytes of weights written.</summary>
    internal static long Write(string folder, SyntheticShape shape, torch.ScalarType dtype, long maxShardBytes, int seed)
    {
        Directory.CreateDirectory(folder);
        var config = shape.ConfigJson();
        config["torch_dtype"] = dtype == torch.ScalarType.BFloat16 ? "bfloat16" : dtype.ToString().ToLowerInvariant();
        File.WriteAllText(Path.Combine(folder, CheckpointFolder.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        // The layout comes from the module the loader builds, on the meta device: names and shapes without data.
        using var layoutModel = new QwenCausalLM(shape.Config, new torch.Device(DeviceType.META), dtype);
        var layout = layoutModel.state_dict();
        var generator = new torch.Generator((ulong)seed);
        ShardedSafetensorsWriter.Write(folder, layout, name => Draw(name, layout[name], generator), maxShardBytes);
        return layout.Values.Sum(SafetensorsWriter.ByteLength);
    }

    // Norm scales start at one in the released models; everything else is drawn like an initialised layer.
    private static torch.Tensor Draw(string name, torch.Tensor planned, torch.Generator generator) =>
        name.EndsWith("norm.weight", StringComparison.Ordinal)
            ? torch.ones(planned.shape, dtype: planned.dtype)
            : torch.empty(planned.shape, dtype: planned.dtype).normal_(0, 0.02, generator);
}
