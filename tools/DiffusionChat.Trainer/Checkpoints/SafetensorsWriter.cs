using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Checkpoints;

/// <summary>
/// Writes tensors in the safetensors format (8-byte little-endian header length, JSON header padded to 8 bytes, raw
/// little-endian data in header order), readable by <see cref="SafetensorsFile"/> and the Hugging Face libraries.
/// </summary>
/// <remarks>
/// Minimal writer for the trainer (the core has only a reader); supports F32, I64, U8 and BOOL. Writes to a temporary
/// file and renames it, so an interrupted save never leaves a truncated checkpoint behind.
/// </remarks>
internal static class SafetensorsWriter
{
    /// <summary>Saves the tensors (copied to the CPU) under their names, in name order.</summary>
    /// <param name="path">The output file.</param>
    /// <param name="tensors">Name and tensor pairs; names must be unique.</param>
    /// <param name="metadata">Optional string metadata (<c>__metadata__</c>).</param>
    /// <exception cref="ArgumentException">A name repeats or a tensor has an unsupported dtype.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = tensors.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var duplicate = ordered.GroupBy(p => p.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Tensor name '{duplicate.Key}' is given twice.", nameof(tensors));
        }

        var blobs = ordered.Select(p => (p.Key, p.Value.shape, DType: SafetensorsDTypes.FromScalarType(p.Value.dtype), Bytes: Bytes(p.Key, p.Value))).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }

            header["__metadata__"] = meta;
        }

        long offset = 0;
        foreach (var (name, shape, dtype, bytes) in blobs)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype.ToString(),
                ["shape"] = new JsonArray(shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }

            foreach (var blob in blobs)
            {
                stream.Write(blob.Bytes);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static byte[] Bytes(string name, Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().contiguous();
        return tensor.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes<float>(cpu.data<float>().ToArray()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes<long>(cpu.data<long>().ToArray()).ToArray(),
            ScalarType.Byte => cpu.data<byte>().ToArray(),
            ScalarType.Bool => cpu.data<bool>().ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray(),
            _ => throw new ArgumentException($"Tensor '{name}' has dtype {tensor.dtype}; the trainer's writer supports Float32, Int64, Byte and Bool.", nameof(tensor)),
        };
    }
}
