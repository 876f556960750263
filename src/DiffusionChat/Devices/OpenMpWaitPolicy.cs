using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DiffusionChat.Devices;

/// <summary>
/// Keeps LibTorch's OpenMP workers spinning for a moment between operations, as they do in a process where only one
/// thread has ever run LibTorch work, however many threads the application runs it on.
/// </summary>
/// <remarks>
/// <para>Why: LibTorch's CPU kernels run on GNU OpenMP (libgomp), which gives every thread that starts parallel work its
/// own team of workers. Once more workers exist than cores (a second thread that loaded a model, a thread-pool thread
/// that ran a sampler, a scaffolded request), libgomp "throttles": idle workers spin 1,000 rounds instead of 300,000
/// before sleeping, so between the many small operations of a forward pass they fall asleep and must be woken. Measured
/// on the 2-core benchmark machine (issue 31's bench model, block 8, 2 threads): 98-107 tokens/s when one thread ran
/// every operation, 59-74 once a second thread had run any, 93-103 with this policy in either case
/// (docs/benchmarks.md, "Threads and OpenMP").</para>
/// <para>What: before LibTorch's native library is loaded, the process environment gets <c>OMP_WAIT_POLICY=ACTIVE</c>
/// and <c>GOMP_SPINCOUNT=300000</c>, libgomp's own unthrottled spin (well under a millisecond), after which idle workers
/// sleep as usual: the same bounded wait a single-threaded application already gets, not a busy loop. Nothing is
/// changed when either variable is already set (set <c>OMP_WAIT_POLICY=PASSIVE</c> to never spin), off Linux, or when
/// LibTorch was loaded before this assembly (libgomp reads the variables once, when it loads).</para>
/// <para>The trade-off: teams computing at the same time (two models generating concurrently on two cores) spin against
/// each other, 80-82 instead of 99-102 tokens/s aggregate in the same measurement. The library's own path is one model
/// per process, its requests batched on one generation thread, which gains; a process running several models at once
/// sets <c>GOMP_SPINCOUNT=300000</c> (libgomp's default behaviour) itself.</para>
/// </remarks>
internal static partial class OpenMpWaitPolicy
{
    /// <summary>libgomp's spin count for a process with no more workers than cores.</summary>
    internal const string SpinCount = "300000";

    /// <summary>Runs when the assembly loads, which is before any of its code can load LibTorch.</summary>
#pragma warning disable CA2255 // A library module initializer is the one point guaranteed to run before LibTorch's native load.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            foreach (var (name, value) in VariablesToSet(Environment.GetEnvironmentVariable))
            {
                // The native environment, not .NET's copy of it: libgomp reads getenv() when it loads.
                _ = SetNativeVariable(name, value, 0);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without setenv under that name: only speed is at stake, and a module initializer that throws
            // would make the whole assembly unusable.
        }
    }

    /// <summary>What <see cref="Apply"/> sets, given the environment the process started with: both variables, or none
    /// when the process already chose either.</summary>
    internal static IReadOnlyList<(string Name, string Value)> VariablesToSet(Func<string, string?> startupEnvironment) =>
        startupEnvironment("OMP_WAIT_POLICY") is not null || startupEnvironment("GOMP_SPINCOUNT") is not null
            ? []
            : [("OMP_WAIT_POLICY", "ACTIVE"), ("GOMP_SPINCOUNT", SpinCount)];

    /// <summary>A variable of the native environment (what libgomp sees), or null.</summary>
    internal static string? NativeVariable(string name) => Marshal.PtrToStringUTF8(GetNativeVariable(name));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeVariable(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetNativeVariable(string name);
}
