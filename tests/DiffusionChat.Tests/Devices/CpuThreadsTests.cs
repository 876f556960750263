using DiffusionChat.Devices;
using TorchSharp;

namespace DiffusionChat.Tests.Devices;

/// <summary>The library's one thread setting: explicit counts, the environment variable, and refusals that name the bad value.</summary>
public class CpuThreadsTests
{
    [Fact]
    public void Without_a_count_LibTorch_keeps_its_own_setting()
    {
        if (Environment.GetEnvironmentVariable(CpuThreads.EnvironmentVariable) is not null)
        {
            return; // the runner chose a count; the behaviour under test is the unset case
        }

        int before = torch.get_num_threads();
        Assert.Equal(before, CpuThreads.Apply(null));
        Assert.Equal(before, torch.get_num_threads());
    }

    [Fact]
    public void A_given_count_is_applied_and_reported()
    {
        int before = torch.get_num_threads();
        try
        {
            Assert.Equal(1, CpuThreads.Apply(1));
            Assert.Equal(1, torch.get_num_threads());
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(CpuThreads.Maximum + 1)]
    public void A_count_outside_its_range_is_refused_and_nothing_changes(int count)
    {
        int before = torch.get_num_threads();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => CpuThreads.Apply(count));
        Assert.Equal("requested", ex.ParamName);
        Assert.Equal(before, torch.get_num_threads());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("  ", null)]
    [InlineData("2", 2)]
    [InlineData(" 1 ", 1)]
    public void The_environment_variable_is_a_plain_count_or_unset(string? value, int? expected)
    {
        Assert.Equal(expected, CpuThreads.FromEnvironment(value));
    }

    [Theory]
    [InlineData("two")]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("2.5")]
    [InlineData("99999")]
    public void A_malformed_environment_variable_is_refused_with_its_value(string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => CpuThreads.FromEnvironment(value));
        Assert.Contains($"DIFFUSIONCHAT_THREADS='{value}'", ex.Message, StringComparison.Ordinal);
    }
}
