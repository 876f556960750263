using System.Runtime.CompilerServices;
using DiffusionChat.Devices;

namespace DiffusionChat.Tests;

/// <summary>Runs once when the test assembly loads, before any test.</summary>
internal static class TestAssemblySetup
{
    /// <summary>MKL picks its kernels on the first product in the process; tests run in parallel and some build tiny
    /// models directly (no loader), so the choice is made here, as an application's first model load makes it.</summary>
#pragma warning disable CA2255 // The one point that runs before every test of the assembly.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void ChooseMklKernels() => MklCpuDispatch.EnsureApplied();
}
