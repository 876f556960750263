using TorchSharp;

namespace DiffusionChat.Devices;

/// <summary>
/// Turns a device name from options or configuration (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>) into a
/// TorchSharp <see cref="torch.Device"/>. This is the one place where device names are interpreted.
/// </summary>
public static class ComputeDevice
{
    /// <summary>The device names accepted by <see cref="Resolve(string?)"/>, for error messages and docs.</summary>
    public const string AllowedNames = "'auto', 'cpu', 'cuda' or 'cuda:N' (N = 0-based GPU index)";

    /// <summary>Resolves a device name to a device that exists on this machine.</summary>
    /// <param name="name">
    /// <c>auto</c> (or null/empty): the first CUDA GPU when LibTorch sees one, otherwise the CPU.
    /// <c>cpu</c>: the CPU. <c>cuda</c>: GPU 0. <c>cuda:N</c>: GPU N. Case-insensitive, surrounding spaces ignored.
    /// </param>
    /// <returns>The resolved device.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not one of the accepted forms.</exception>
    /// <exception cref="InvalidOperationException">
    /// CUDA was asked for but LibTorch has no usable CUDA device (a CPU-only build such as the default TorchSharp-cpu
    /// backend, no driver, or no GPU), or the GPU index is beyond the number of GPUs present.
    /// </exception>
    public static torch.Device Resolve(string? name)
    {
        // Before any model exists: MKL picks its matrix kernels on its first product.
        MklCpuDispatch.EnsureApplied();
        var spec = (name ?? "auto").Trim().ToLowerInvariant();
        if (spec.Length == 0 || spec == "auto")
        {
            return CudaDeviceCount() > 0 ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
        }

        if (spec == "cpu")
        {
            return torch.CPU;
        }

        if (spec == "cuda" || spec.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (spec.Length > 4)
            {
                var digits = spec[5..];
                if (digits.Length == 0 || !digits.All(char.IsAsciiDigit) ||
                    !int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
                {
                    throw new ArgumentException($"Device name '{name}' is not valid. Allowed: {AllowedNames}.", nameof(name));
                }
            }

            int count = CudaDeviceCount();
            if (count == 0)
            {
                throw new InvalidOperationException(
                    $"Device '{name}' was requested but LibTorch reports no CUDA device. This build uses the " +
                    "CPU-only TorchSharp backend or the machine has no usable GPU/driver. Build with " +
                    "-p:TorchBackend=cuda on a machine with an NVIDIA driver, or use device 'cpu' or 'auto'.");
            }

            if (index >= count)
            {
                throw new InvalidOperationException(
                    $"Device '{name}' was requested but only {count} CUDA device(s) exist (valid: cuda:0..cuda:{count - 1}).");
            }

            return new torch.Device(DeviceType.CUDA, index);
        }

        throw new ArgumentException($"Device name '{name}' is not valid. Allowed: {AllowedNames}.", nameof(name));
    }

    private static int CudaDeviceCount() => torch.cuda.is_available() ? torch.cuda.device_count() : 0;
}
