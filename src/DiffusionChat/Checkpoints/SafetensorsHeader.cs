using System.Text.Json;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// Parses and validates a safetensors JSON header: every entry well-formed, dtypes known, byte sizes equal to the
/// shapes, offsets inside the data section and not overlapping. Every problem is a <see cref="CheckpointFormatException"/>
/// naming the file and, where there is one, the tensor.
/// </summary>
internal static class SafetensorsHeader
{
    public static (Dictionary<string, SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new CheckpointFormatException(path, null, $"header is not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointFormatException(path, null, $"header must be a JSON object, found {doc.RootElement.ValueKind}.");
            }

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    ReadMetadata(path, entry.Value, metadata);
                    continue;
                }

                if (tensors.ContainsKey(entry.Name))
                {
                    throw new CheckpointFormatException(path, entry.Name, "appears twice in the header.");
                }

                tensors.Add(entry.Name, ReadTensorInfo(path, entry.Name, entry.Value, dataLength));
            }

            CheckOverlaps(path, tensors.Values);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, null, "__metadata__ must be an object of strings.");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointFormatException(path, null, $"__metadata__ entry '{item.Name}' must be a string, found {item.Value.ValueKind}.");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadTensorInfo(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointFormatException(path, name, $"header entry must be an object, found {value.ValueKind}.");
        }

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointFormatException(path, name, "header entry lacks a string 'dtype'.");
        }

        var dtypeName = dtypeElement.GetString();
        if (!SafetensorsDTypes.TryParse(dtypeName, out var dtype))
        {
            throw new CheckpointFormatException(path, name, $"dtype '{dtypeName}' is not supported (supported: {SafetensorsDTypes.AllowedNames}).");
        }

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointFormatException(path, name, "header entry lacks a 'shape' array.");
        }

        var shape = new List<long>();
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0)
            {
                throw new CheckpointFormatException(path, name, $"shape entry {dim.GetRawText()} is not a non-negative integer.");
            }

            shape.Add(d);
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
        {
            throw new CheckpointFormatException(path, name, "header entry lacks 'data_offsets' [begin, end].");
        }

        if (offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number ||
            !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
        {
            throw new CheckpointFormatException(path, name, $"data_offsets {offsets.GetRawText()} are invalid (need 0 <= begin <= end).");
        }

        if (end > dataLength)
        {
            throw new CheckpointFormatException(path, name, $"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes; the file may be truncated).");
        }

        long elements;
        try
        {
            elements = shape.Aggregate(1L, (a, d) => checked(a * d));
            long expected = checked(elements * dtype.ElementSize());
            if (expected != end - begin)
            {
                throw new CheckpointFormatException(path, name,
                    $"byte size {end - begin} does not match shape [{string.Join(", ", shape)}] of {dtype} ({expected} bytes).");
            }
        }
        catch (OverflowException ex)
        {
            throw new CheckpointFormatException(path, name, $"shape [{string.Join(", ", shape)}] is too large.", ex);
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static void CheckOverlaps(string path, IEnumerable<SafetensorsTensorInfo> tensors)
    {
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataBegin))
        {
            if (previous is not null && t.DataBegin < previous.DataEnd)
            {
                throw new CheckpointFormatException(path, t.Name,
                    $"data_offsets [{t.DataBegin}, {t.DataEnd}] overlap those of tensor '{previous.Name}' [{previous.DataBegin}, {previous.DataEnd}].");
            }

            previous = t;
        }
    }
}
