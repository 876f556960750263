namespace DiffusionChat.Checkpoints;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor name (the state-dict key).</param>
/// <param name="DType">The stored element type.</param>
/// <param name="Shape">The shape; empty for a scalar.</param>
/// <param name="DataBegin">Start of the data, relative to the start of the data section.</param>
/// <param name="DataEnd">End (exclusive) of the data, relative to the start of the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long DataBegin, long DataEnd)
{
    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>Number of data bytes.</summary>
    public long ByteLength => DataEnd - DataBegin;
}
