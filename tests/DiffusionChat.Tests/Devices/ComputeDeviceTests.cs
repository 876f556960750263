using DiffusionChat.Devices;
using TorchSharp;

namespace DiffusionChat.Tests.Devices;

public class ComputeDeviceTests
{
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
    public void Auto_resolves_to_the_cpu_on_a_machine_without_cuda(string? name)
    {
        Assert.False(torch.cuda.is_available(), "this test describes the CPU-only build machine");

        Assert.Equal(DeviceType.CPU, ComputeDevice.Resolve(name).type);
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
    [InlineData("CUDA:1")]
    public void Cuda_on_a_cpu_only_machine_throws_InvalidOperationException_saying_how_to_fix_it(string name)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ComputeDevice.Resolve(name));

        Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no CUDA device", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cpu", ex.Message, StringComparison.Ordinal);
    }
}
