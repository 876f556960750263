using System.Runtime.InteropServices;

namespace DiffusionChat.Generation;

/// <summary>
/// Returns freed native memory to the operating system after a batch. LibTorch allocates tensors with malloc from
/// whichever thread-pool thread runs a step; glibc keeps freed blocks in per-thread arenas, so resident memory climbs
/// for hundreds of requests although no tensor is alive (measured by the soak in docs/reliability.md). Trimming after
/// each batch keeps the process flat without asking users to set MALLOC_ARENA_MAX.
/// </summary>
internal static partial class NativeHeap
{
    private static bool unavailable = !OperatingSystem.IsLinux();

    /// <summary>Asks glibc to release free heap memory; does nothing off glibc (musl, macOS, Windows).</summary>
    public static void Trim()
    {
        if (Volatile.Read(ref unavailable))
        {
            return;
        }

        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            Volatile.Write(ref unavailable, true);
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
