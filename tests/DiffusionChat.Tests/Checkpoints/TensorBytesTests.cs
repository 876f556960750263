using System.Runtime.InteropServices;
using DiffusionChat.Checkpoints;
using TorchSharp;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>The chunked byte copies that let single tensors exceed 2 GiB, exercised with chunks of a few bytes.</summary>
public class TensorBytesTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(1 << 20)]
    public void Chunked_write_emits_every_element_in_row_major_order(long chunkBytes)
    {
        using var scope = torch.NewDisposeScope();
        var tensor = torch.arange(10, dtype: torch.int32).reshape(2, 5);
        using var stream = new MemoryStream();

        TensorBytes.WriteTo(stream, tensor, chunkBytes);

        var written = stream.ToArray();
        Assert.Equal(Enumerable.Range(0, 10), Enumerable.Range(0, 10).Select(i => BitConverter.ToInt32(written, 4 * i)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(1 << 20)]
    public void Chunked_copy_fills_every_element_from_the_source(long chunkBytes)
    {
        using var scope = torch.NewDisposeScope();
        var source = Enumerable.Range(0, 9).SelectMany(i => BitConverter.GetBytes((short)(i * 3))).ToArray();
        var target = torch.empty([3, 3], torch.int16);

        var handle = GCHandle.Alloc(source, GCHandleType.Pinned);
        try
        {
            TensorBytes.CopyFrom(handle.AddrOfPinnedObject(), target, chunkBytes);
        }
        finally
        {
            handle.Free();
        }

        Assert.Equal(Enumerable.Range(0, 9).Select(i => (short)(i * 3)), target.data<short>().ToArray());
    }
}
