using TorchSharp;

namespace DiffusionChat.Sampling;

/// <summary>
/// The one place where a sampler copies device tensors to the host. Each copy synchronises the device, so samplers
/// budget them (one per block with a fixed schedule, one small read per step when the step count depends on the
/// data); the count is reported so tests can hold samplers to that budget.
/// </summary>
/// <remarks>One instance per generation request; not thread-safe.</remarks>
public sealed class HostReads
{
    /// <summary>Number of device-to-host copies made so far.</summary>
    public int Count { get; private set; }

    /// <summary>Number of elements copied so far.</summary>
    public long Elements { get; private set; }

    /// <summary>Copies an int64 tensor to a host array (row-major).</summary>
    /// <param name="tensor">Any int64 tensor (not modified).</param>
    /// <returns>The values.</returns>
    public long[] ToArray(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var cpu = tensor.to(torch.int64).cpu().contiguous();
        Count++;
        Elements += cpu.numel();
        return cpu.data<long>().ToArray();
    }

    /// <summary>Reads a boolean scalar tensor.</summary>
    /// <param name="tensor">A one-element tensor.</param>
    /// <returns>Its value.</returns>
    public bool ToBool(torch.Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Count++;
        Elements += 1;
        return tensor.item<bool>();
    }
}
