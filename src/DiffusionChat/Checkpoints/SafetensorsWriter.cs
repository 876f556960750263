using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// Writes tensors to a safetensors file: 8-byte little-endian header length, a JSON header (<c>__metadata__</c> first,
/// then the tensors in ordinal name order with contiguous <c>data_offsets</c>), padded with spaces to a multiple of 8
/// bytes as the reference (Rust) writer does, then the raw little-endian data.
/// </summary>
/// <remarks>
/// Tensors are streamed one at a time: each is copied to the CPU (if it lives elsewhere), written and released before the
/// next, so writing never holds a second copy of the whole state dict. The file appears atomically: data goes to a
/// temporary file in the same folder that is renamed over <c>path</c> only when complete, so a reader never sees a
/// half-written checkpoint and an interrupted write leaves the previous file intact. The caller's tensors are not
/// modified or disposed.
/// </remarks>
public static class SafetensorsWriter
{
    /// <summary>Header key of the free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/>.</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Tensors by name, of any supported dtype (<see cref="SafetensorsDTypes.AllowedNames"/>) on any device.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> string entries (e.g. <c>format: pt</c>).</param>
    /// <param name="cancellationToken">Checked between tensors; a cancelled write leaves no file behind.</param>
    /// <exception cref="ArgumentException">A name is empty or <c>__metadata__</c>, or a tensor's dtype is not supported.</exception>
    /// <exception cref="OperationCanceledException">The write was cancelled.</exception>
    public static void Write(
        string path,
        IReadOnlyDictionary<string, torch.Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var full = Path.GetFullPath(path);
        var layout = Plan(tensors);
        var header = EncodeHeader(layout, metadata);

        WriteAtomically(full, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);

            stream.Write(length);
            stream.Write(header);
            foreach (var entry in layout)
            {
                cancellationToken.ThrowIfCancellationRequested();
                WriteData(stream, tensors[entry.Name]);
            }
        });
    }

    /// <summary>The number of data bytes a tensor occupies in a safetensors file.</summary>
    /// <exception cref="ArgumentException">The tensor's dtype is not supported.</exception>
    public static long ByteLength(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return checked(tensor.numel() * DTypeOf("tensor", tensor).ElementSize());
    }

    /// <summary>Runs <paramref name="write"/> on a temporary file beside <paramref name="path"/>, then renames it into place.</summary>
    internal static void WriteAtomically(string path, Action<FileStream> write)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static List<SafetensorsTensorInfo> Plan(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        var layout = new List<SafetensorsTensorInfo>(tensors.Count);
        long offset = 0;
        foreach (var name in tensors.Keys.Order(StringComparer.Ordinal))
        {
            if (name.Length == 0 || name == MetadataKey)
            {
                throw new ArgumentException($"Tensor name '{name}' cannot be stored: names must be non-empty and not '{MetadataKey}'.", nameof(tensors));
            }

            var tensor = tensors[name] ?? throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            var dtype = DTypeOf(name, tensor);
            long bytes = checked(tensor.numel() * dtype.ElementSize());
            layout.Add(new SafetensorsTensorInfo(name, dtype, tensor.shape, offset, offset + bytes));
            offset += bytes;
        }

        return layout;
    }

    private static SafetensorsDType DTypeOf(string name, torch.Tensor tensor)
    {
        try
        {
            return SafetensorsDTypes.FromScalarType(tensor.dtype);
        }
        catch (NotSupportedException ex)
        {
            throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store here (supported: {SafetensorsDTypes.AllowedNames}).", nameof(tensor), ex);
        }
    }

    private static byte[] EncodeHeader(List<SafetensorsTensorInfo> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach (var entry in layout)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.ToString());
                json.WriteStartArray("shape");
                foreach (var d in entry.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(entry.DataBegin);
                json.WriteNumberValue(entry.DataEnd);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // The reference writer pads with spaces so the data section starts 8-byte aligned (zero-copy f64/i64 views).
        int padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }

    private static void WriteData(Stream stream, torch.Tensor tensor)
    {
        if (tensor.numel() == 0)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        // detach: the bytes are read outside autograd; contiguous: the data is one row-major run of elements.
        TensorBytes.WriteTo(stream, tensor.detach().to(torch.CPU).contiguous());
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file is harmless and named so it is never mistaken for weights.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
