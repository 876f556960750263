using System.Text.Json;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// A Hugging Face-layout checkpoint folder: <c>config.json</c>, weights as a single <c>model.safetensors</c> or as
/// shards listed in <c>model.safetensors.index.json</c>, and tokenizer files.
/// </summary>
/// <remarks>Dispose it to release the weight files' memory maps. Reading is thread-safe.</remarks>
public sealed class CheckpointFolder : IDisposable
{
    /// <summary>Name of the single-file weights.</summary>
    public const string SingleWeightsFile = "model.safetensors";

    /// <summary>Name of the shard index of sharded weights.</summary>
    public const string ShardIndexFile = "model.safetensors.index.json";

    /// <summary>Name of the model configuration file.</summary>
    public const string ConfigFile = "config.json";

    private readonly Dictionary<string, SafetensorsFile> fileByTensor;
    private readonly List<SafetensorsFile> files;

    private CheckpointFolder(string directory, JsonElement config, string weightsSource, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        Directory = directory;
        Config = config;
        WeightsSource = weightsSource;
        this.files = files;
        this.fileByTensor = fileByTensor;
    }

    /// <summary>The folder's full path.</summary>
    public string Directory { get; }

    /// <summary>The parsed <c>config.json</c> (a detached copy; safe to keep).</summary>
    public JsonElement Config { get; }

    /// <summary>
    /// The model types <c>config.json</c> declares: its <c>model_type</c>, then its <c>architectures</c>, in that order
    /// (empty when it names none). Compare them with <see cref="DeclaresModelType"/>, which ignores case.
    /// </summary>
    public IReadOnlyList<string> ModelTypes
    {
        get
        {
            var names = new List<string>();
            if (Config.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String)
            {
                names.Add(type.GetString()!);
            }

            if (Config.TryGetProperty("architectures", out var architectures) && architectures.ValueKind == JsonValueKind.Array)
            {
                names.AddRange(architectures.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!));
            }

            return names;
        }
    }

    /// <summary>Whether <see cref="ModelTypes"/> holds one of <paramref name="types"/>, ignoring case.</summary>
    /// <param name="types">Model type or architecture names.</param>
    /// <returns>True when some declared type matches.</returns>
    public bool DeclaresModelType(params string[] types) =>
        ModelTypes.Any(declared => types.Contains(declared, StringComparer.OrdinalIgnoreCase));

    /// <summary>The declared model types for an error message, or a note that there are none.</summary>
    internal string DescribeModelTypes() =>
        ModelTypes.Count == 0 ? "(none: config.json has no model_type or architectures)" : string.Join(" / ", ModelTypes.Select(t => $"'{t}'"));

    /// <summary>
    /// The file that lists the weights: <c>model.safetensors</c> for single-file weights, otherwise
    /// <c>model.safetensors.index.json</c>. Errors about tensors the folder lacks name this file.
    /// </summary>
    public string WeightsSource { get; }

    /// <summary>Every tensor name across all weight files.</summary>
    public IReadOnlyCollection<string> TensorNames => fileByTensor.Keys;

    /// <summary>The weight files that were opened (one, or one per shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files => files;

    /// <summary>Opens a checkpoint folder: reads <c>config.json</c> and validates every weight file's header.</summary>
    /// <param name="directory">The folder path.</param>
    /// <returns>The opened folder.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="CheckpointFormatException">
    /// <c>config.json</c> or the weights are missing or malformed, a shard is missing, or a tensor is listed twice.
    /// </exception>
    public static CheckpointFolder Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = System.IO.Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"Checkpoint folder '{full}' does not exist.");
        }

        var config = ReadConfig(full);
        var files = new List<SafetensorsFile>();
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            var index = ReadShardIndex(full);
            foreach (var weightsPath in WeightFiles(full, index))
            {
                var file = SafetensorsFile.Open(weightsPath);
                files.Add(file);
                foreach (var name in file.Tensors.Keys)
                {
                    if (byTensor.TryGetValue(name, out var other))
                    {
                        throw new CheckpointFormatException(weightsPath, name, $"is also stored in '{other.Path}'.");
                    }

                    byTensor.Add(name, file);
                }
            }

            if (index is not null)
            {
                CheckIndexAgreesWithShards(full, byTensor, index);
            }

            var weightsSource = System.IO.Path.Combine(full, index is null ? SingleWeightsFile : ShardIndexFile);
            return new CheckpointFolder(full, config, weightsSource, files, byTensor);
        }
        catch
        {
            foreach (var f in files)
            {
                f.Dispose();
            }

            throw;
        }
    }

    /// <summary>Whether a tensor of that name exists.</summary>
    public bool Contains(string name) => fileByTensor.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public SafetensorsTensorInfo Info(string name) => FileOf(name).Tensors[name];

    /// <summary>The path of the weight file that stores a tensor.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public string PathOf(string name) => FileOf(name).Path;

    /// <summary>Loads one tensor, converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public torch.Tensor Load(string name, torch.ScalarType? dtype = null, torch.Device? device = null) =>
        FileOf(name).Load(name, dtype, device);

    /// <summary>
    /// Overwrites a contiguous CPU tensor of the stored shape with one tensor's values, converted to its dtype, straight
    /// from the memory map (see <see cref="SafetensorsFile.CopyTo(string, torch.Tensor)"/>).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    /// <exception cref="ArgumentException">The target is not a contiguous CPU tensor of the stored shape.</exception>
    public void CopyTo(string name, torch.Tensor target) => FileOf(name).CopyTo(name, target);

    /// <summary><see cref="CopyTo(string, torch.Tensor)"/> with a chosen chunk size.</summary>
    internal void CopyTo(string name, torch.Tensor target, long chunkBytes) => FileOf(name).CopyTo(name, target, chunkBytes);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in files)
        {
            f.Dispose();
        }
    }

    private SafetensorsFile FileOf(string name) =>
        fileByTensor.TryGetValue(name, out var file)
            ? file
            : throw new KeyNotFoundException($"Checkpoint '{Directory}' has no tensor '{name}'.");

    private static JsonElement ReadConfig(string directory)
    {
        var path = System.IO.Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
        {
            throw new CheckpointFormatException(path, null, "config.json is missing from the checkpoint folder.");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, null, $"must hold a JSON object, found {doc.RootElement.ValueKind}.");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, null, $"is not valid JSON ({ex.Message}).", ex);
        }
    }

    private static Dictionary<string, string>? ReadShardIndex(string directory)
    {
        var indexPath = System.IO.Path.Combine(directory, ShardIndexFile);
        if (!File.Exists(indexPath))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(indexPath, null, "has no 'weight_map' object.");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new CheckpointFormatException(indexPath, entry.Name, "weight_map value must be a file name string.");
                }

                var shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard.Contains('/', StringComparison.Ordinal) || shard.Contains('\\', StringComparison.Ordinal) || shard is "." or "..")
                {
                    throw new CheckpointFormatException(indexPath, entry.Name, $"shard name '{shard}' must be a plain file name in the folder.");
                }

                result[entry.Name] = shard;
            }

            return result;
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(indexPath, null, $"is not valid JSON ({ex.Message}).", ex);
        }
    }

    private static List<string> WeightFiles(string directory, Dictionary<string, string>? index)
    {
        if (index is not null)
        {
            var indexPath = System.IO.Path.Combine(directory, ShardIndexFile);
            var shards = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (tensor, shard) in index)
            {
                shards.TryAdd(shard, tensor);
            }

            foreach (var (shard, firstTensor) in shards)
            {
                if (!File.Exists(System.IO.Path.Combine(directory, shard)))
                {
                    throw new CheckpointFormatException(indexPath, firstTensor, $"shard '{shard}' listed in the index does not exist.");
                }
            }

            return shards.Keys.Select(s => System.IO.Path.Combine(directory, s)).ToList();
        }

        var single = System.IO.Path.Combine(directory, SingleWeightsFile);
        if (File.Exists(single))
        {
            return [single];
        }

        throw new CheckpointFormatException(single, null,
            $"no weights found: looked for '{SingleWeightsFile}' and '{ShardIndexFile}' in '{directory}'.");
    }

    private static void CheckIndexAgreesWithShards(string directory, Dictionary<string, SafetensorsFile> byTensor, Dictionary<string, string> index)
    {
        var indexPath = System.IO.Path.Combine(directory, ShardIndexFile);
        foreach (var (tensor, shard) in index)
        {
            if (!byTensor.TryGetValue(tensor, out var file))
            {
                throw new CheckpointFormatException(indexPath, tensor, $"is listed in the index under '{shard}' but that shard does not contain it.");
            }

            if (!string.Equals(System.IO.Path.GetFileName(file.Path), shard, StringComparison.Ordinal))
            {
                throw new CheckpointFormatException(indexPath, tensor, $"is listed under '{shard}' but stored in '{System.IO.Path.GetFileName(file.Path)}'.");
            }
        }
    }
}
