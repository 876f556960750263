using DiffusionChat.Devices;
using TorchSharp;

namespace DiffusionChat.Tests.Devices;

/// <summary>
/// Device names on whatever machine runs the suite: each test asserts the behaviour for the CUDA devices LibTorch
/// reports here (none with the default CPU backend), so the suite passes on CPU-only and GPU machines alike.
/// </summary>
public class ComputeDeviceTests
{
    private static int CudaDevices => torch.cuda.is_available() ? torch.cuda.device_count() : 0;

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Cpu_resolves_to_the_cpu(string name)
    {
        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve(name).type);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("AUTO")]
    [InlineData("")]
    [InlineData(null)]
    public void Auto_resolves_to_the_first_gpu_when_cuda_is_available_and_to_the_cpu_otherwise(string? name)
    {
        var device = ComputeDevice.Resolve(name);

        if (CudaDevices > 0)
        {
            Assert.Equal(DeviceType.CUDA, device.type);
            Assert.Equal(0, device.index);
        }
        else
        {
            Assert.Equal(DeviceType.CPU, device.type);
        }
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:x")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:+1")]
    [InlineData("cuda:99999999999")]
    [InlineData("cuda0")]
    [InlineData("mps")]
    public void Malformed_names_throw_ArgumentException_naming_the_value_and_the_allowed_forms(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => ComputeDevice.Resolve(name));

        Assert.Equal("name", ex.ParamName);
        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ComputeDevice.AllowedNames, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("CUDA:0")]
    public void Gpu_zero_resolves_when_cuda_is_available_and_otherwise_fails_saying_how_to_fix_it(string name)
    {
        if (CudaDevices > 0)
        {
            var device = ComputeDevice.Resolve(name);

            Assert.Equal(DeviceType.CUDA, device.type);
            Assert.Equal(0, device.index);
        }
        else
        {
            var ex = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Resolve(name));

            Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains("no CUDA device", ex.Message, StringComparison.Ordinal);
            Assert.Contains("TorchBackend=cuda", ex.Message, StringComparison.Ordinal);
            Assert.Contains("'cpu'", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void A_gpu_index_beyond_the_gpus_present_fails_naming_the_valid_range(int beyondLast)
    {
        int count = CudaDevices;
        string name = $"cuda:{count + beyondLast}";

        var ex = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Resolve(name));

        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(count == 0 ? "no CUDA device" : $"only {count} CUDA device(s) exist (valid: cuda:0..cuda:{count - 1})", ex.Message, StringComparison.Ordinal);
    }
}
