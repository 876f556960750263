using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// A safetensors file opened for reading: the header is parsed and validated on open; tensor data is read on demand,
/// one tensor at a time, from a memory map, so loading never holds a second full copy of the weights (neither in
/// managed memory nor as a native staging tensor).
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

        byte[] headerBytes;
        long headerLength;
        long fileLength;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            // The opened stream's length, not FileInfo's: for a symbolic link (the Hugging Face hub cache links every
            // model file into its blobs folder) FileInfo gives the link's own size, not the file's.
            fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new CheckpointFormatException(path, null, $"file is truncated: {fileLength} bytes, but the 8-byte header length alone needs 8.");
            }

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
        var info = InfoOf(name);
        var targetType = dtype ?? info.DType.ToScalarType();
        var targetDevice = device ?? torch.CPU;
        using var scope = torch.NewDisposeScope();
        if (targetDevice.type == DeviceType.CPU)
        {
            // Straight into the result, converting chunk by chunk: no full-size staging copy.
            var result = torch.empty(info.Shape.ToArray(), targetType, torch.CPU);
            CopyChunks(info, result, TensorBytes.DefaultChunkBytes);
            return result.MoveToOuterDisposeScope();
        }

        // Another device: one CPU tensor in the stored dtype, then dtype and device change in one step.
        var raw = torch.empty(info.Shape.ToArray(), info.DType.ToScalarType(), torch.CPU);
        CopyChunks(info, raw, TensorBytes.DefaultChunkBytes);
        return raw.to(targetType, targetDevice).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Overwrites <paramref name="target"/>, a contiguous CPU tensor of the tensor's shape, with the stored values,
    /// converted to the target's dtype. The bytes go from the memory map into the target in chunks of at most
    /// <see cref="TensorBytes.DefaultChunkBytes"/>, so no copy of the whole tensor is made on the way.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="target">The tensor to fill (e.g. a module parameter); its dtype, device and storage are kept.</param>
    /// <exception cref="KeyNotFoundException">No tensor of that name is in the file.</exception>
    /// <exception cref="ArgumentException">The target is not on the CPU, not contiguous, or has another shape.</exception>
    public void CopyTo(string name, torch.Tensor target) => CopyTo(name, target, TensorBytes.DefaultChunkBytes);

    /// <summary><see cref="CopyTo(string, torch.Tensor)"/> with a chosen chunk size (tests cross chunk borders with small ones).</summary>
    internal void CopyTo(string name, torch.Tensor target, long chunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentNullException.ThrowIfNull(target);
        var info = InfoOf(name);
        if (target.device_type != DeviceType.CPU || !target.is_contiguous())
        {
            throw new ArgumentException($"Tensor '{name}' can only be copied into a contiguous CPU tensor; the target is on {target.device} and {(target.is_contiguous() ? "contiguous" : "not contiguous")}.", nameof(target));
        }

        if (!info.Shape.SequenceEqual(target.shape))
        {
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but the target has [{string.Join(", ", target.shape)}].", nameof(target));
        }

        using (torch.no_grad())
        {
            CopyChunks(info, target, chunkBytes);
        }
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

    private SafetensorsTensorInfo InfoOf(string name)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return Tensors.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Checkpoint file '{Path}' has no tensor '{name}'.");
    }

    // Each chunk gets its own view of the file, so at most one chunk of the file's pages is mapped into this process
    // at a time: mapping a whole 1 GB embedding would count it in the resident set on top of its copy. A chunk of
    // another dtype is converted through a chunk-sized staging tensor, never through a copy of the whole tensor.
    private void CopyChunks(SafetensorsTensorInfo info, torch.Tensor target, long chunkBytes)
    {
        if (info.ByteLength == 0)
        {
            return;
        }

        using var scope = torch.NewDisposeScope();
        var storedType = info.DType.ToScalarType();
        int elementSize = info.DType.ElementSize();
        long chunkElements = Math.Max(1, chunkBytes / elementSize);
        long total = info.ElementCount;
        var flat = target.view(-1);
        var staging = storedType == target.dtype ? null : torch.empty(Math.Min(chunkElements, total), storedType, torch.CPU);
        for (long start = 0; start < total; start += chunkElements)
        {
            long count = Math.Min(chunkElements, total - start);
            using var part = flat.narrow(0, start, count);
            using var view = map!.CreateViewAccessor(dataStart + info.DataBegin + (start * elementSize), count * elementSize, MemoryMappedFileAccess.Read);
            if (staging is null)
            {
                CopyFromView(view, part);
            }
            else
            {
                using var stagedPart = staging.narrow(0, 0, count);
                CopyFromView(view, stagedPart);
                part.copy_(stagedPart);
            }
        }
    }

    private static unsafe void CopyFromView(MemoryMappedViewAccessor view, torch.Tensor target)
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
