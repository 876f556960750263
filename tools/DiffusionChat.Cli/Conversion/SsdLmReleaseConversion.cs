using System.Collections;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Simplex;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Conversion;

/// <summary>
/// Turns the released SSD-LM layout (PyTorch pickles: <c>pytorch_model.bin</c> with the RoBERTa masked-LM state dict,
/// <c>embed_sum_layer.pt</c> and <c>timestep_layer.pt</c> with keys <c>weight</c>/<c>bias</c>, possibly prefixed
/// <c>module.</c> by DataParallel) into one <c>model.safetensors</c> with the key names the denoiser loads.
/// </summary>
/// <remarks>
/// One-time and offline, so the library itself reads only safetensors (memory-mapped, no pickle code paths). The
/// result is written to a temporary file, renamed into place, and then loaded once as a check.
/// </remarks>
internal static class SsdLmReleaseConversion
{
    public const string ModelPickle = "pytorch_model.bin";
    public const string EmbedSumPickle = "embed_sum_layer.pt";
    public const string TimestepPickle = "timestep_layer.pt";
    private const string DataParallelPrefix = "module.";

    /// <summary>Converts the folder in place and returns the path of the written <c>model.safetensors</c>.</summary>
    /// <exception cref="FileNotFoundException">config.json or one of the three pickles is missing.</exception>
    /// <exception cref="IOException"><c>model.safetensors</c> already exists and <paramref name="overwrite"/> is false.</exception>
    /// <exception cref="CheckpointFormatException">A pickle holds something other than tensors, a key repeats, or the result does not load.</exception>
    public static string Convert(string directory, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var folder = Path.GetFullPath(directory);
        foreach (var required in new[] { CheckpointFolder.ConfigFile, ModelPickle, EmbedSumPickle, TimestepPickle })
        {
            var path = Path.Combine(folder, required);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"'{required}' is missing from '{folder}'; a released SSD-LM folder has config.json, {ModelPickle}, {EmbedSumPickle} and {TimestepPickle}.", path);
            }
        }

        var target = Path.Combine(folder, CheckpointFolder.SingleWeightsFile);
        if (File.Exists(target) && !overwrite)
        {
            throw new IOException($"'{target}' already exists; pass --force to overwrite it.");
        }

        using var scope = NewDisposeScope();
        var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        AddPickle(stateDict, Path.Combine(folder, ModelPickle), keyPrefix: "");
        AddPickle(stateDict, Path.Combine(folder, EmbedSumPickle), keyPrefix: "embed_sum_layer.");
        AddPickle(stateDict, Path.Combine(folder, TimestepPickle), keyPrefix: "timestep_layer.");

        var temporary = target + ".partial";
        Safetensors.SaveStateDict(temporary, stateDict);
        File.Move(temporary, target, overwrite: true);

        using var check = SsdLmDenoiser.Load(folder);
        return target;
    }

    private static void AddPickle(Dictionary<string, Tensor> stateDict, string path, string keyPrefix)
    {
        Hashtable entries;
        using (var stream = File.OpenRead(path))
        {
            entries = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: false, skipTensorRead: false);
        }

        foreach (DictionaryEntry entry in entries)
        {
            if (entry.Key is not string name || entry.Value is not Tensor value)
            {
                throw new CheckpointFormatException(path, entry.Key?.ToString(), "is not a tensor entry of a state dict (save the state_dict, not the module).");
            }

            var key = keyPrefix + (name.StartsWith(DataParallelPrefix, StringComparison.Ordinal) ? name[DataParallelPrefix.Length..] : name);
            if (!stateDict.TryAdd(key, value.contiguous()))
            {
                throw new CheckpointFormatException(path, key, "appears twice after removing the 'module.' prefix.");
            }
        }
    }
}
