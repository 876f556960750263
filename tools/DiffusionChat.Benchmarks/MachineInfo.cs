namespace DiffusionChat.Benchmarks;

/// <summary>What the figures were measured on.</summary>
internal static class MachineInfo
{
    public static string Describe()
    {
        string cpu = ReadFirst("/proc/cpuinfo", "model name") ?? "unknown CPU";
        string ram = ReadFirst("/proc/meminfo", "MemTotal") is { } kb && long.TryParse(kb.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], out long k)
            ? $"{k / (1024.0 * 1024.0):F1} GiB RAM" : "RAM unknown";
        return $"{Environment.ProcessorCount} logical cores (`nproc`), {cpu}, {ram}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, " +
            $".NET {Environment.Version}, TorchSharp CPU, float32, MKL kernels by {MklKernels()}; shared with other jobs while measured";
    }

    /// <summary>How MKL chose its matrix kernels in this process (<see cref="DiffusionChat.Devices.MklCpuDispatch"/>).</summary>
    private static string MklKernels() => DiffusionChat.Devices.MklCpuDispatch.EnsureApplied() switch
    {
        DiffusionChat.Devices.MklCpuDispatchState.Applied or DiffusionChat.Devices.MklCpuDispatchState.NotNeeded => "instruction set",
        var other => $"CPU vendor ({other})",
    };

    /// <summary>The 1-minute load average (<c>/proc/loadavg</c>); NaN where there is none.</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double load)
            ? load : double.NaN;

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        return File.ReadLines(file).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault();
    }
}
