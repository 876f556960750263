using System.Runtime.CompilerServices;
using DiffusionChat.Devices;

namespace DiffusionChat.Tests.Devices;

/// <summary>
/// The OpenMP wait policy the library puts in the native environment before LibTorch loads (what libgomp reads), so
/// an application that runs LibTorch work on several threads keeps the speed of one that runs it on one.
/// </summary>
public class OpenMpWaitPolicyTests
{
    [Fact]
    public void Loading_the_library_leaves_libgomp_a_bounded_active_wait_or_the_processs_own_choice()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(CpuThreads).Module.ModuleHandle);
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), spins = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");

        if (policy is null && spins is null)
        {
            Assert.Equal("ACTIVE", OpenMpWaitPolicy.NativeVariable("OMP_WAIT_POLICY"));
            Assert.Equal("300000", OpenMpWaitPolicy.NativeVariable("GOMP_SPINCOUNT"));
        }
        else
        {
            Assert.Equal(policy, OpenMpWaitPolicy.NativeVariable("OMP_WAIT_POLICY"));
            Assert.Equal(spins, OpenMpWaitPolicy.NativeVariable("GOMP_SPINCOUNT"));
        }
    }

    [Theory]
    [InlineData("OMP_WAIT_POLICY", "PASSIVE")]
    [InlineData("GOMP_SPINCOUNT", "0")]
    public void A_process_that_set_either_variable_keeps_its_own_policy(string name, string value)
    {
        Assert.Empty(OpenMpWaitPolicy.VariablesToSet(n => n == name ? value : null));
    }

    [Fact]
    public void A_process_that_set_neither_gets_libgomps_own_unthrottled_spin()
    {
        Assert.Equal([("OMP_WAIT_POLICY", "ACTIVE"), ("GOMP_SPINCOUNT", "300000")], OpenMpWaitPolicy.VariablesToSet(_ => null));
    }
}
