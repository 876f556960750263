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

    /// <summary>
    /// Where the resident memory is (Linux; null elsewhere): anonymous pages (heaps: LibTorch's tensors, malloc, the GC),
    /// pages of mapped files (the native libraries' code as it is first run), and what the GC had committed at its last
    /// collection.
    /// </summary>
    /// <remarks>Why: a resident figure can climb while the live managed heap and the live tensors stay flat; the climb can
    /// be code pages of the native libraries, native heap, or memory the GC keeps committed (on the trained masked model
    /// it was the last: docs/reliability.md, "What the climb is"). The split tells them apart.</remarks>
    public static ResidentParts? Parts()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return null;
        }

        double anon = 0, file = 0;
        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anon = KiB(line) / 1024.0;
            }
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = KiB(line) / 1024.0;
            }
        }

        return new ResidentParts(anon, file, GC.GetGCMemoryInfo().TotalCommittedBytes / (1024.0 * 1024.0));

        static double KiB(string line) =>
            double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Collects managed garbage so finalizer-held native memory is released before a reading.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}

/// <summary>Resident memory by kind, in MiB.</summary>
/// <param name="AnonymousMiB">Anonymous resident pages (native and managed heaps).</param>
/// <param name="FileMiB">Resident pages of mapped files (mostly the native libraries).</param>
/// <param name="GcCommittedMiB">Memory the .NET GC had committed at its last collection (part of the anonymous pages).</param>
internal sealed record ResidentParts(double AnonymousMiB, double FileMiB, double GcCommittedMiB);
