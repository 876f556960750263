using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// A safetensors file opened for reading: the header is parsed and validated on open; tensor data is read on demand,
/// one tensor at a time, from a memory map, so loading never holds a second full copy of the weights in managed
/// memory.
/// </summary>
/// <remarks>
/// Format: 8-byte little-endian header length N, N bytes of JSON (<c>{"name": {"dtype", "shape", "data_offsets"}, ...,
/// "__metadata__": {string: string}}</c>), then the data section. Every header problem is reported as a
/// <see cref="CheckpointFormatException"/> naming the file and tensor. Instances are safe to read from concurrently.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Header sizes above this are rejected (the reference implementation uses the same 100 MB bound).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly MemoryMappedFile? map;
    private readonly long dataStart;
    private bool disposed;

    private SafetensorsFile(string path, MemoryMappedFile? map, long dataStart, Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        this.map = map;
        this.dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file this was opened from.</summary>
    public string Path { get; }

    /// <summary>The tensors in the file, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The free-form <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The opened file; dispose it to release the memory map.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointFormatException">The file is truncated or its header is invalid.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        }

        long fileLength = new FileInfo(path).Length;
        if (fileLength < 8)
        {
            throw new CheckpointFormatException(path, null, $"file is truncated: {fileLength} bytes, but the 8-byte header length alone needs 8.");
        }

        byte[] headerBytes;
        long headerLength;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            headerLength = BitConverter.ToInt64(lengthBytes);
            if (headerLength <= 0 || headerLength > MaxHeaderLength)
            {
                throw new CheckpointFormatException(path, null, $"header length {headerLength} is invalid (allowed: 1..{MaxHeaderLength} bytes).");
            }

            if (8 + headerLength > fileLength)
            {
                throw new CheckpointFormatException(path, null, $"header length {headerLength} runs past the end of the file ({fileLength} bytes).");
            }

            headerBytes = new byte[headerLength];
            stream.ReadExactly(headerBytes);
        }

        long dataLength = fileLength - 8 - headerLength;
        Dictionary<string, SafetensorsTensorInfo> tensors;
        Dictionary<string, string> metadata;
        try
        {
            (tensors, metadata) = SafetensorsHeader.Parse(path, headerBytes, dataLength);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reports strings that are not valid UTF-8 only when they are read.
            throw new CheckpointFormatException(path, null, $"header holds text that cannot be read ({ex.Message}).", ex);
        }

        var map = dataLength > 0
            ? MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read)
            : null;
        return new SafetensorsFile(path, map, 8 + headerLength, tensors, metadata);
    }

    /// <summary>Reads one tensor, converted to <paramref name="dtype"/> and placed on <paramref name="device"/>.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dtype">Target element type; null keeps the stored type.</param>
    /// <param name="device">Target device; null means CPU.</param>
    /// <returns>A new tensor owned by the caller.</returns>
    /// <exception cref="KeyNotFoundException">No tensor of that name is in the file.</exception>
    public torch.Tensor Load(string name, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!Tensors.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"Checkpoint file '{Path}' has no tensor '{name}'.");
        }

        using var scope = torch.NewDisposeScope();
        var shape = info.Shape.ToArray();
        var raw = torch.empty(shape, info.DType.ToScalarType(), torch.CPU);
        if (info.ByteLength > 0)
        {
            using var view = map!.CreateViewAccessor(dataStart + info.DataBegin, info.ByteLength, MemoryMappedFileAccess.Read);
            CopyToTensor(view, raw);
        }

        // One conversion step straight to the target: dtype and device change together, so at most the stored-dtype
        // staging tensor and the result exist at once (never a third intermediate copy).
        var targetType = dtype ?? raw.dtype;
        var targetDevice = device ?? torch.CPU;
        var result = targetType == raw.dtype && targetDevice.type == DeviceType.CPU
            ? raw
            : raw.to(targetType, targetDevice);

        return result.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            map?.Dispose();
        }
    }

    private static unsafe void CopyToTensor(MemoryMappedViewAccessor view, torch.Tensor target)
    {
        byte* source = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref source);
        try
        {
            TensorBytes.CopyFrom((nint)(source + view.PointerOffset), target);
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }
}
