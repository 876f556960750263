using System.Diagnostics;

namespace DiffusionChat.Benchmarks;

/// <summary>Process memory as the operating system sees it (native tensors included, unlike the GC heap).</summary>
internal static class MemoryProbe
{
    /// <summary>Resident set size now, in MiB.</summary>
    public static double ResidentMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Highest resident set size so far, in MiB.</summary>
    public static double PeakResidentMiB()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>Collects managed garbage so finalizer-held native memory is released before a reading.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
