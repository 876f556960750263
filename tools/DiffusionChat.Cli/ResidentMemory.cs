using System.Globalization;
using System.Runtime.InteropServices;

namespace DiffusionChat.Cli;

/// <summary>
/// This process's resident set from <c>/proc/self/status</c> (Linux): the current size (<c>VmRSS</c>) and the peak
/// (<c>VmHWM</c>), which counts native tensors, the managed heap and mapped file pages alike.
/// </summary>
internal static class ResidentMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Whether the figures can be read here (Linux with <c>/proc</c>).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux() && File.Exists(Status);

    /// <summary>Current resident bytes (<c>VmRSS</c>).</summary>
    public static long Current() => Field("VmRSS:");

    /// <summary>Peak resident bytes since the process started or since <see cref="ResetPeak"/> (<c>VmHWM</c>).</summary>
    public static long Peak() => Field("VmHWM:");

    /// <summary>
    /// Resets the peak to the current size (writes 5 to <c>/proc/self/clear_refs</c>, Linux 4.0 and later), after
    /// handing memory that the C allocator keeps but no longer uses back to the system (glibc <c>malloc_trim</c>), so
    /// that reusing it later shows as growth instead of hiding in the starting figure.
    /// </summary>
    public static void ResetPeak()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (e.g. musl): nothing to trim, the peak still resets.
        }

        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static long Field(string name)
    {
        if (!IsAvailable)
        {
            throw new PlatformNotSupportedException($"Resident memory is read from {Status}, which this system does not have.");
        }

        foreach (var line in File.ReadLines(Status))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                // "VmHWM:     13532 kB"
                var parts = line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"{Status} has no {name} line.");
    }
}
