using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DiffusionChat.Devices;

/// <summary>
/// Keeps the C heap's freed megabyte-sized blocks for reuse instead of handing them back to the kernel after every
/// tensor, so a sampler step does not pay a page fault per 4 KiB of every logits or activation buffer it allocates.
/// </summary>
/// <remarks>
/// <para>Why: LibTorch's CPU tensors live on glibc's heap (malloc). By default glibc serves blocks of a few hundred KiB
/// and up with fresh <c>mmap</c>s and returns freed memory at the top of a heap to the kernel (<c>munmap</c>, trimming),
/// so the same few buffers a step allocates are faulted in again on every step. Measured on the 2-core benchmark
/// machine (a virtual machine, where a fault costs ~10 us): issue 31's bench model, block 64 (its [64 x 4096] logits,
/// their float64 probabilities), 8 generations on one thread: 887,000 minor faults and 22-31 tokens/s by default,
/// 36,000-37,000 faults and 76-83 tokens/s with the settings below (docs/benchmarks.md). Any mmap threshold of 1 MiB
/// or less kept the faults (708,000); 4 MiB and up removed them.</para>
/// <para>What: when the assembly loads, <c>mallopt</c> sets the mmap threshold to 32 MiB (glibc's largest; blocks below
/// it come from the heap and are reused) and the trim threshold to 64 MiB (up to that much free memory stays at the
/// top of a heap instead of going back to the kernel). The process's resident memory then stays at its high-water mark
/// instead of shrinking between requests, which it regains on the next request anyway. Nothing is changed when the
/// process chose its own malloc settings (<c>MALLOC_MMAP_THRESHOLD_</c>, <c>MALLOC_TRIM_THRESHOLD_</c>, or a
/// <c>glibc.malloc.</c> tunable in <c>GLIBC_TUNABLES</c>; set one of them, e.g. to glibc's default, to keep glibc's
/// behaviour), off Linux, or on a C library without <c>mallopt</c>.</para>
/// </remarks>
internal static partial class NativeHeapReuse
{
    /// <summary>Blocks below this size come from the heap and are reused (glibc's maximum for the setting).</summary>
    internal const int MmapThreshold = 32 << 20;

    /// <summary>Free memory at the top of a heap up to this size is kept.</summary>
    internal const int TrimThreshold = 64 << 20;

    /// <summary><c>mallopt</c>'s parameter numbers (glibc's <c>malloc.h</c>).</summary>
    internal const int TrimThresholdParameter = -1, TopPadParameter = -2, MmapThresholdParameter = -3, MmapMaxParameter = -4;

    /// <summary>Runs when the assembly loads, before any of its code can allocate a tensor.</summary>
#pragma warning disable CA2255 // The one point guaranteed to run before the library's first tensor.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux() || !ShouldApply(Environment.GetEnvironmentVariable))
        {
            return;
        }

        // The trim threshold first: setting either one turns off glibc's own adjustment of both.
        _ = TrySet(TrimThresholdParameter, TrimThreshold) & TrySet(MmapThresholdParameter, MmapThreshold);
    }

    /// <summary>Sets one <c>mallopt</c> parameter; false when glibc refuses it or the C library has no
    /// <c>mallopt</c> (only speed is at stake, and a module initializer that throws would make the whole assembly
    /// unusable).</summary>
    internal static bool TrySet(int parameter, int value)
    {
        try
        {
            return SetMallocParameter(parameter, value) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether to set the thresholds, given the environment the process started with: not when it chose any
    /// malloc setting itself.</summary>
    internal static bool ShouldApply(Func<string, string?> startupEnvironment) =>
        startupEnvironment("MALLOC_MMAP_THRESHOLD_") is null
        && startupEnvironment("MALLOC_TRIM_THRESHOLD_") is null
        && startupEnvironment("GLIBC_TUNABLES")?.Contains("glibc.malloc.", StringComparison.Ordinal) != true;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetMallocParameter(int parameter, int value);
}
