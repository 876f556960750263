using TorchSharp;

namespace DiffusionChat.Sampling;

/// <summary>
/// The one gate between sampling code and the host: every device-to-host read and every host-to-device upload a
/// sampler makes goes through here and is counted. Each read synchronises the device, so samplers budget them (one
/// per block with a fixed schedule, one small read per step when the step count depends on the data).
/// </summary>
/// <remarks>
/// A test reads the compiled sampling code and fails the build's suite if it copies a tensor to the host
/// (<c>item</c>, <c>cpu</c>, <c>data</c>) or creates a tensor from host values anywhere but here, so the counts are
/// complete: a test that gives a sampler its own gate sees every transfer the sampler makes. Thread-safe: a gate may
/// be shared by concurrent requests (then it counts all of them).
/// </remarks>
public sealed class DeviceTransfers
{
    private long reads;
    private long elementsRead;
    private long uploads;
    private long elementsUploaded;

    /// <summary>Number of device-to-host copies made so far.</summary>
    public long Reads => Interlocked.Read(ref reads);

    /// <summary>Number of elements copied to the host so far.</summary>
    public long ElementsRead => Interlocked.Read(ref elementsRead);

    /// <summary>Number of host-to-device uploads made so far.</summary>
    public long Uploads => Interlocked.Read(ref uploads);

    /// <summary>Number of elements uploaded so far.</summary>
    public long ElementsUploaded => Interlocked.Read(ref elementsUploaded);

    /// <summary>Copies an integer tensor to a host array (row-major), as int64.</summary>
    /// <param name="tensor">Any integer or boolean tensor (not modified).</param>
    /// <returns>The values.</returns>
    public long[] ReadInt64(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var cpu = tensor.to(torch.int64).cpu().contiguous();
        Counted(ref reads, ref elementsRead, cpu.numel());
        return cpu.data<long>().ToArray();
    }

    /// <summary>Reads a boolean scalar tensor.</summary>
    /// <param name="tensor">A one-element tensor.</param>
    /// <returns>Its value.</returns>
    public bool ReadBool(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Counted(ref reads, ref elementsRead, 1);
        return tensor.item<bool>();
    }

    /// <summary>Uploads int64 values as a tensor of <paramref name="shape"/>.</summary>
    /// <param name="values">Row-major values (not kept).</param>
    /// <param name="shape">The tensor's shape; its element count must equal the number of values.</param>
    /// <param name="device">Where the tensor lives.</param>
    /// <returns>A new int64 tensor owned by the caller's dispose scope.</returns>
    public torch.Tensor Upload(long[] values, long[] shape, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(values);
        Counted(ref uploads, ref elementsUploaded, values.Length);
        return torch.tensor(values, shape, torch.int64, device);
    }

    /// <summary>Uploads boolean values as a tensor of <paramref name="shape"/>.</summary>
    /// <param name="values">Row-major values (not kept).</param>
    /// <param name="shape">The tensor's shape; its element count must equal the number of values.</param>
    /// <param name="device">Where the tensor lives.</param>
    /// <returns>A new bool tensor owned by the caller's dispose scope.</returns>
    public torch.Tensor Upload(bool[] values, long[] shape, torch.Device device)
    {
        ArgumentNullException.ThrowIfNull(values);
        Counted(ref uploads, ref elementsUploaded, values.Length);
        return torch.tensor(values, shape, torch.@bool, device);
    }

    private static void Counted(ref long count, ref long elements, long added)
    {
        Interlocked.Increment(ref count);
        Interlocked.Add(ref elements, added);
    }
}
