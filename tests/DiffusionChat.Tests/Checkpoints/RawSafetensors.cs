using System.Buffers.Binary;
using System.Text;

namespace DiffusionChat.Tests.Checkpoints;

/// <summary>Builds safetensors bytes by hand, so tests can express malformed files the writer would never produce.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string headerJson, byte[] data) => Build(Encoding.UTF8.GetBytes(headerJson), data);

    public static byte[] Build(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static byte[] WithDeclaredHeaderLength(byte[] file, long length)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(copy, length);
        return copy;
    }
}
