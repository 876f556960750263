using TorchSharp;

namespace DiffusionChat.Checkpoints;

/// <summary>
/// Moves raw tensor bytes between native CPU storage and files in chunks, because <see cref="torch.Tensor.bytes"/> is
/// an int-sized span and single tensors of large checkpoints exceed 2 GiB (LLaDA-8B's embedding is 2.07 GB in F32).
/// </summary>
internal static class TensorBytes
{
    /// <summary>Chunk size used by the library: large enough to be fast, far below the 2 GiB span limit.</summary>
    public const long DefaultChunkBytes = 64L << 20;

    /// <summary>Writes a CPU tensor's elements in row-major order.</summary>
    public static void WriteTo(Stream stream, torch.Tensor cpuContiguous, long chunkBytes = DefaultChunkBytes)
    {
        using var flat = cpuContiguous.reshape(-1);
        ForEachChunk(flat, chunkBytes, (part, _) => stream.Write(part.bytes));
    }

    /// <summary>Fills a contiguous CPU tensor from <paramref name="source"/>, which must hold exactly its bytes.</summary>
    public static unsafe void CopyFrom(nint source, torch.Tensor cpuContiguous, long chunkBytes = DefaultChunkBytes)
    {
        using var flat = cpuContiguous.view(-1);
        ForEachChunk(flat, chunkBytes, (part, byteOffset) =>
        {
            var bytes = part.bytes;
            new ReadOnlySpan<byte>((byte*)(source + (nint)byteOffset), bytes.Length).CopyTo(bytes);
        });
    }

    private static void ForEachChunk(torch.Tensor flat, long chunkBytes, Action<torch.Tensor, long> action)
    {
        long elementSize = flat.ElementSize;
        long total = flat.numel();
        long chunkElements = Math.Max(1, chunkBytes / elementSize);
        for (long start = 0; start < total; start += chunkElements)
        {
            using var part = flat.narrow(0, start, Math.Min(chunkElements, total - start));
            action(part, start * elementSize);
        }
    }
}
