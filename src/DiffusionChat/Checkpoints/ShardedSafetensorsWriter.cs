using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// Writes a state dict as Hugging Face sharded weights: <c>model-0000X-of-0000N.safetensors</c> files of at most a given
/// size plus <c>model.safetensors.index.json</c> (<c>metadata.total_size</c> and <c>weight_map</c>), the layout
/// <see cref="CheckpointFolder"/> reads.
/// </summary>
/// <remarks>
/// Tensors are assigned to shards in ordinal name order, starting a new shard when the next tensor would push the
/// current one over <c>maxShardBytes</c>; a tensor larger than the limit gets a shard of its own (tensors are never
/// split), as <c>transformers</c>' <c>save_pretrained</c> does. Every file is written atomically (see
/// <see cref="SafetensorsWriter"/>), the index last, and shard files of an earlier save in the same folder that the new
/// index does not list (including a stale <c>model.safetensors</c>) are deleted afterwards, so the folder always holds
/// exactly one consistent set of weights once the call returns.
/// </remarks>
public static partial class ShardedSafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> into <paramref name="directory"/> as shards plus an index.</summary>
    /// <param name="directory">The checkpoint folder (created if missing). Other files in it are left alone.</param>
    /// <param name="tensors">Tensors by name, of any supported dtype on any device.</param>
    /// <param name="maxShardBytes">Largest data size of one shard, in bytes (at least 1).</param>
    /// <param name="metadata">Optional <c>__metadata__</c> written into every shard (e.g. <c>format: pt</c>).</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    /// <returns>The shard file names written, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxShardBytes"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">A name or dtype cannot be stored (see <see cref="SafetensorsWriter.Write"/>).</exception>
    public static IReadOnlyList<string> Write(
        string directory,
        IReadOnlyDictionary<string, torch.Tensor> tensors,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return WriteShards(directory, tensors, maxShardBytes, produce: null, metadata, cancellationToken);
    }

    /// <summary>
    /// Writes tensors that are made one shard at a time, so a checkpoint larger than memory can be written: only the
    /// tensors of the shard being written exist at once.
    /// </summary>
    /// <param name="directory">The checkpoint folder (created if missing). Other files in it are left alone.</param>
    /// <param name="layout">
    /// Tensors by name that give each tensor's shape and dtype (e.g. tensors on the <c>meta</c> device, which hold no
    /// data); their values are not read.
    /// </param>
    /// <param name="produce">
    /// Makes the tensor to store under a name (the layout's shape and dtype), called once per tensor just before its
    /// shard is written; the writer disposes what it returns once the shard is on disk.
    /// </param>
    /// <param name="maxShardBytes">Largest data size of one shard, in bytes (at least 1).</param>
    /// <param name="metadata">Optional <c>__metadata__</c> written into every shard.</param>
    /// <param name="cancellationToken">Checked between tensors.</param>
    /// <returns>The shard file names written, in order.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxShardBytes"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">
    /// A name or dtype cannot be stored, or <paramref name="produce"/> returned a tensor of another shape or dtype.
    /// </exception>
    public static IReadOnlyList<string> Write(
        string directory,
        IReadOnlyDictionary<string, torch.Tensor> layout,
        Func<string, torch.Tensor> produce,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(produce);
        return WriteShards(directory, layout, maxShardBytes, produce, metadata, cancellationToken);
    }

    /// <summary>The Hugging Face shard file name, e.g. <c>model-00002-of-00003.safetensors</c>.</summary>
    /// <param name="number">1-based shard number.</param>
    /// <param name="count">Number of shards.</param>
    public static string ShardName(int number, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, count);
        return string.Create(CultureInfo.InvariantCulture, $"model-{number:D5}-of-{count:D5}.safetensors");
    }

    private static IReadOnlyList<string> WriteShards(
        string directory,
        IReadOnlyDictionary<string, torch.Tensor> layout,
        long maxShardBytes,
        Func<string, torch.Tensor>? produce,
        IReadOnlyDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxShardBytes, 1);
        var full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);

        var shards = Partition(layout, maxShardBytes);
        var names = new List<string>(shards.Count);
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        for (int i = 0; i < shards.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fileName = ShardName(i + 1, shards.Count);
            var produced = new List<torch.Tensor>();
            try
            {
                var shard = shards[i].ToDictionary(
                    name => name,
                    name => produce is null ? layout[name] : Produced(name, layout[name], produce, produced),
                    StringComparer.Ordinal);
                SafetensorsWriter.Write(Path.Combine(full, fileName), shard, metadata, cancellationToken);
            }
            finally
            {
                // The written shard's tensors go before the next shard is made, whichever scope the producer used.
                produced.ForEach(t => t.Dispose());
            }

            foreach (var name in shards[i])
            {
                weightMap[name] = fileName;
                totalSize += SafetensorsWriter.ByteLength(layout[name]);
            }

            names.Add(fileName);
        }

        WriteIndex(Path.Combine(full, CheckpointFolder.ShardIndexFile), totalSize, weightMap);
        DeleteStaleWeights(full, names);
        return names;
    }

    private static torch.Tensor Produced(string name, torch.Tensor planned, Func<string, torch.Tensor> produce, List<torch.Tensor> produced)
    {
        var tensor = produce(name) ?? throw new ArgumentException($"The producer returned null for tensor '{name}'.", nameof(produce));
        produced.Add(tensor);
        if (tensor.dtype != planned.dtype || !tensor.shape.SequenceEqual(planned.shape))
        {
            throw new ArgumentException(
                $"The producer made tensor '{name}' as {tensor.dtype}[{string.Join(", ", tensor.shape)}], but the layout says {planned.dtype}[{string.Join(", ", planned.shape)}].", nameof(produce));
        }

        return tensor;
    }

    private static List<List<string>> Partition(IReadOnlyDictionary<string, torch.Tensor> tensors, long maxShardBytes)
    {
        var shards = new List<List<string>> { new() };
        long current = 0;
        foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            ArgumentNullException.ThrowIfNull(tensors[name], name);
            long bytes = SafetensorsWriter.ByteLength(tensors[name]);
            if (shards[^1].Count > 0 && current + bytes > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }

            shards[^1].Add(name);
            current += bytes;
        }

        return shards;
    }

    private static void WriteIndex(string path, long totalSize, SortedDictionary<string, string> weightMap)
    {
        SafetensorsWriter.WriteAtomically(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap)
            {
                json.WriteString(name, file);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private static void DeleteStaleWeights(string directory, List<string> written)
    {
        var keep = new HashSet<string>(written, StringComparer.Ordinal);
        foreach (var path in System.IO.Directory.EnumerateFiles(directory, "model*.safetensors"))
        {
            var name = Path.GetFileName(path);
            if (!keep.Contains(name) && (name == CheckpointFolder.SingleWeightsFile || ShardPattern().IsMatch(name)))
            {
                File.Delete(path);
            }
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardPattern();
}
