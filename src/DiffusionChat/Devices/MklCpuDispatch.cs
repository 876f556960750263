using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace DiffusionChat.Devices;

/// <summary>
/// Lets the Intel MKL inside LibTorch choose its matrix kernels by what the CPU can do rather than by who made it.
/// </summary>
/// <remarks>
/// <para>Why: LibTorch's CPU build links Intel MKL for its dense matrix products. MKL picks a kernel family once, on its
/// first call, and on an x86 CPU whose vendor string is not <c>GenuineIntel</c> it falls back to generic code whatever
/// the CPU supports. Measured on the 2-core AMD EPYC (Zen 5) benchmark machine, float32 products of a forward pass's
/// shapes ([96 x 256] by [256 x 768 ... 4096]): 75-90 GFLOP/s on one thread with that fallback, 180-205 GFLOP/s with the
/// kernels MKL uses on an Intel CPU with the same instruction sets (AVX-512), 260-360 against 110-150 on two threads
/// (docs/benchmarks.md, issue 31). A whole forward pass is mostly such products.</para>
/// <para>What: MKL asks one exported function of its own, <c>mkl_serv_intel_cpu_true</c>, whether the CPU is an Intel
/// one, and that function keeps its answer in a word it computes once (negative until then). Before MKL's first
/// product, <see cref="EnsureApplied"/> writes "yes" into that word, so MKL then chooses among its kernels by the
/// instruction sets the CPU reports (CPUID), as it does on Intel processors; a CPU without AVX-512 gets the AVX2 or
/// SSE kernels it supports. No code is changed: the function's machine code is only read, to find the word, and when
/// it is not the exact sequence this was written for (another MKL build), nothing is written.</para>
/// <para>When: the library calls it before it touches a model (<see cref="ComputeDevice.Resolve"/>,
/// <see cref="CpuThreads.Apply"/>, checkpoint loading). MKL decides once per process, so an application that runs its
/// own LibTorch products before loading a model calls <see cref="EnsureApplied"/> first. Only on Linux x64 with a
/// non-Intel CPU; set <see cref="EnvironmentVariable"/> to <c>keep</c> to leave MKL's own choice alone.</para>
/// </remarks>
public static class MklCpuDispatch
{
    /// <summary>
    /// <c>DIFFUSIONCHAT_MKL_DISPATCH</c>: <c>features</c> (or unset, the default) lets MKL choose kernels by the CPU's
    /// instruction sets; <c>keep</c> leaves MKL's vendor-based choice alone.
    /// </summary>
    public const string EnvironmentVariable = "DIFFUSIONCHAT_MKL_DISPATCH";

    /// <summary>The machine code this was written for: <c>mov eax, [rip + d32]; test eax, eax; js +1; ret</c>
    /// (the cached answer is returned when it is not negative). Bytes 2-5 are the displacement.</summary>
    private static readonly byte?[] CachedAnswerPrologue = [0x8B, 0x05, null, null, null, null, 0x85, 0xC0, 0x78, 0x01, 0xC3];

    private static readonly Lock Gate = new();
    private static MklCpuDispatchState? state;

    /// <summary>
    /// Makes MKL choose its kernels by the CPU's instruction sets, if that applies to this process and MKL has not
    /// chosen yet; safe to call any number of times from any thread (the first call decides, later calls return its
    /// result). Loads LibTorch's native library if it is not loaded yet.
    /// </summary>
    /// <returns>What was found and done.</returns>
    /// <exception cref="ArgumentException"><see cref="EnvironmentVariable"/> has a value other than <c>features</c> or
    /// <c>keep</c>.</exception>
    public static MklCpuDispatchState EnsureApplied()
    {
        lock (Gate)
        {
            state ??= Apply(Environment.GetEnvironmentVariable(EnvironmentVariable));
            return state.Value;
        }
    }

    private static MklCpuDispatchState Apply(string? setting)
    {
        if (!WantsFeatureDispatch(setting))
        {
            return MklCpuDispatchState.KeptByEnvironment;
        }

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || IsIntelCpu())
        {
            return MklCpuDispatchState.NotNeeded;
        }

        return WithVendorCheck(SeedCachedAnswer) ?? MklCpuDispatchState.MklNotFound;
    }

    /// <summary>What MKL's own vendor check answers now (1 = Intel), or null where there is no such MKL export (not
    /// Linux x64, another LibTorch build).</summary>
    internal static unsafe int? VendorAnswer() =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64
            ? WithVendorCheck(function => ((delegate* unmanaged<int>)function)())
            : null;

    /// <summary>Runs <paramref name="use"/> on the address of MKL's exported vendor check in the LibTorch this process
    /// loaded (loading it first, without running any MKL product); null when there is none.</summary>
    private static T? WithVendorCheck<T>(Func<IntPtr, T> use)
        where T : struct
    {
        _ = torch.get_num_threads();
        if (LoadedLibraryPath("libtorch_cpu.so") is not { } path || !NativeLibrary.TryLoad(path, out var handle))
        {
            return null;
        }

        try
        {
            return NativeLibrary.TryGetExport(handle, "mkl_serv_intel_cpu_true", out var function) ? use(function) : null;
        }
        finally
        {
            // Only drops the reference taken above: TorchSharp's own keeps the library loaded.
            NativeLibrary.Free(handle);
        }
    }

    /// <summary>Reads <paramref name="setting"/>: unset or <c>features</c> = true, <c>keep</c> = false.</summary>
    internal static bool WantsFeatureDispatch(string? setting) => setting?.Trim().ToLowerInvariant() switch
    {
        null or "" or "features" => true,
        "keep" => false,
        _ => throw new ArgumentException(
            $"{EnvironmentVariable}='{setting}' is not valid: give 'features' (MKL chooses kernels by the CPU's instruction sets, the default) or 'keep' (MKL's own choice by CPU vendor).",
            EnvironmentVariable),
    };

    /// <summary>Finds the word behind <paramref name="function"/>'s cached answer and sets it to "Intel" if MKL has
    /// not answered yet.</summary>
    private static unsafe MklCpuDispatchState SeedCachedAnswer(IntPtr function)
    {
        var code = new ReadOnlySpan<byte>((void*)function, CachedAnswerPrologue.Length);
        if (CachedAnswerWord(code) is not { } displacement)
        {
            return MklCpuDispatchState.UnrecognizedMkl;
        }

        // The displacement is relative to the end of the 6-byte mov instruction.
        var word = (int*)(function + 6 + displacement);
        int previous = Interlocked.CompareExchange(ref *word, 1, -1);
        return previous switch
        {
            -1 => MklCpuDispatchState.Applied,
            0 => MklCpuDispatchState.TooLate,
            _ => MklCpuDispatchState.NotNeeded,
        };
    }

    /// <summary>The rip-relative displacement of the cached answer when <paramref name="code"/> is the expected
    /// prologue, otherwise null.</summary>
    internal static int? CachedAnswerWord(ReadOnlySpan<byte> code)
    {
        if (code.Length < CachedAnswerPrologue.Length)
        {
            return null;
        }

        for (int i = 0; i < CachedAnswerPrologue.Length; i++)
        {
            if (CachedAnswerPrologue[i] is { } expected && code[i] != expected)
            {
                return null;
            }
        }

        return BitConverter.ToInt32(code[2..6]);
    }

    internal static bool IsIntelCpu()
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<byte> vendor = stackalloc byte[12];
        BitConverter.TryWriteBytes(vendor, ebx);
        BitConverter.TryWriteBytes(vendor[4..], edx);
        BitConverter.TryWriteBytes(vendor[8..], ecx);
        return vendor.SequenceEqual("GenuineIntel"u8);
    }

    /// <summary>The path of a shared library this process has mapped whose file name is <paramref name="fileName"/>.</summary>
    private static string? LoadedLibraryPath(string fileName)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                // address perms offset dev inode path (the path may contain spaces, so take the rest of the line).
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.EndsWith("/" + fileName, StringComparison.Ordinal))
                {
                    return line[slash..];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
