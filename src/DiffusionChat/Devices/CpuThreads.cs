using System.Globalization;
using TorchSharp;

namespace DiffusionChat.Devices;

/// <summary>
/// How many threads LibTorch's CPU kernels split one operation across (intra-op parallelism): the one place the library
/// touches LibTorch's process-wide thread settings, and only when a count is given.
/// </summary>
/// <remarks>
/// <para>
/// Without a count LibTorch keeps its own default, one thread per core (or <c>OMP_NUM_THREADS</c>). That default is
/// deliberate: in a forward pass only the matrix products and the MLP's wide element-wise ops are large enough to be
/// split, and those gain from a second core (docs/benchmarks.md, "Where a forward pass spends its time", measures
/// a pass at 1 and 2 threads against the machine's matmul peak). Set 1 when several processes or requests already keep
/// every core busy: splitting small kernels then only adds synchronisation.
/// </para>
/// <para>
/// The inter-op pool (<c>set_num_interop_threads</c>) is left alone: the library never runs independent operations
/// in parallel (no forked graph, one sampler thread per batch), so that pool stays idle at any size.
/// </para>
/// <para>
/// The count is process-wide but taken up per OS thread: LibTorch (OpenMP) fixes a thread's count when that thread
/// first runs an operation, so a change reaches the calling thread and every thread that has not run LibTorch work
/// yet, not a thread-pool thread that already has. Set it once, before the first model loads (the hosting loader
/// applies it at load), not between requests.
/// </para>
/// </remarks>
public static class CpuThreads
{
    /// <summary>The environment variable read when no count is given: a positive integer, e.g. <c>DIFFUSIONCHAT_THREADS=1</c>.</summary>
    public const string EnvironmentVariable = "DIFFUSIONCHAT_THREADS";

    /// <summary>The largest count accepted (far beyond any useful value; it guards against typos).</summary>
    public const int Maximum = 1024;

    /// <summary>
    /// Sets LibTorch's intra-op thread count to <paramref name="requested"/>, or to <see cref="EnvironmentVariable"/>
    /// when that is null; leaves LibTorch's default when neither is set.
    /// </summary>
    /// <param name="requested">Threads per operation (1 .. <see cref="Maximum"/>), or null.</param>
    /// <returns>The thread count in effect afterwards.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requested"/> is outside 1 .. <see cref="Maximum"/>.</exception>
    /// <exception cref="ArgumentException">The environment variable is set but not an integer in 1 .. <see cref="Maximum"/>.</exception>
    public static int Apply(int? requested)
    {
        // Before any model exists: MKL picks its matrix kernels on its first product.
        MklCpuDispatch.EnsureApplied();
        if (requested is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(requested));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Maximum, nameof(requested));
        }
        else if (FromEnvironment(Environment.GetEnvironmentVariable(EnvironmentVariable)) is { } fromEnvironment)
        {
            count = fromEnvironment;
        }
        else
        {
            return torch.get_num_threads();
        }

        if (torch.get_num_threads() != count)
        {
            torch.set_num_threads(count);
        }

        return torch.get_num_threads();
    }

    /// <summary>Parses the environment variable's value; null when it is unset or blank.</summary>
    /// <exception cref="ArgumentException">Not an integer in 1 .. <see cref="Maximum"/>.</exception>
    internal static int? FromEnvironment(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count is >= 1 and <= Maximum
            ? count
            : throw new ArgumentException($"{EnvironmentVariable}='{value}' is not valid: give a thread count from 1 to {Maximum}, or leave it unset for LibTorch's default (one per core).", EnvironmentVariable);
    }
}
