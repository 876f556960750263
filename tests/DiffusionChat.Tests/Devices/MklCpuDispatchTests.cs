using DiffusionChat.Devices;
using TorchSharp;

namespace DiffusionChat.Tests.Devices;

/// <summary>
/// MKL inside LibTorch chooses its matrix kernels by the CPU's instruction sets on every x86 CPU, not only on Intel
/// ones (on the AMD benchmark machine that is 2.4x the float32 matmul speed), without changing what it computes.
/// </summary>
public class MklCpuDispatchTests
{
    [Fact]
    public void Before_the_first_product_MKL_is_told_to_choose_by_instruction_sets()
    {
        // The test assembly's module initializer asked before any test ran a product (TestAssemblySetup).
        var state = MklCpuDispatch.EnsureApplied();
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Equal(MklCpuDispatchState.NotNeeded, state);
            return;
        }

        if (Environment.GetEnvironmentVariable(MklCpuDispatch.EnvironmentVariable)?.Trim().ToLowerInvariant() == "keep")
        {
            Assert.Equal(MklCpuDispatchState.KeptByEnvironment, state);
            return;
        }

        Assert.Equal(MklCpuDispatch.IsIntelCpu() ? MklCpuDispatchState.NotNeeded : MklCpuDispatchState.Applied, state);
        Assert.Equal(1, MklCpuDispatch.VendorAnswer());
        Assert.Equal(state, MklCpuDispatch.EnsureApplied());
    }

    [Fact]
    public void Products_stay_what_they_were_with_the_chosen_kernels()
    {
        MklCpuDispatch.EnsureApplied();
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(31);
        var a = torch.randn([96, 256], generator: generator);
        var b = torch.randn([256, 1024], generator: generator);
        var exact = a.to(torch.float64).matmul(b.to(torch.float64));
        double worst = (a.matmul(b).to(torch.float64) - exact).abs().max().item<double>();
        Assert.True(worst < 1e-3, $"float32 product differs from the float64 one by {worst}");
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("features", true)]
    [InlineData(" Features ", true)]
    [InlineData("keep", false)]
    [InlineData("KEEP", false)]
    public void The_environment_variable_is_features_keep_or_unset(string? value, bool expected)
    {
        Assert.Equal(expected, MklCpuDispatch.WantsFeatureDispatch(value));
    }

    [Theory]
    [InlineData("intel")]
    [InlineData("0")]
    [InlineData("off")]
    public void Another_value_is_refused_naming_it_and_what_is_allowed(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => MklCpuDispatch.WantsFeatureDispatch(value));
        Assert.Contains($"DIFFUSIONCHAT_MKL_DISPATCH='{value}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'features'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'keep'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cached_answer_is_found_only_behind_the_exact_prologue()
    {
        byte[] code = [0x8B, 0x05, 0x1A, 0x67, 0x98, 0x09, 0x85, 0xC0, 0x78, 0x01, 0xC3, 0x53];
        Assert.Equal(0x0998671A, MklCpuDispatch.CachedAnswerWord(code));

        byte[] negative = [0x8B, 0x05, 0xF0, 0xFF, 0xFF, 0xFF, 0x85, 0xC0, 0x78, 0x01, 0xC3];
        Assert.Equal(-16, MklCpuDispatch.CachedAnswerWord(negative));

        for (int i = 0; i < 11; i++)
        {
            if (i is >= 2 and <= 5)
            {
                continue;
            }

            var changed = (byte[])code.Clone();
            changed[i] ^= 0x40;
            Assert.Null(MklCpuDispatch.CachedAnswerWord(changed));
        }

        Assert.Null(MklCpuDispatch.CachedAnswerWord(code.AsSpan(0, 10)));
    }
}
