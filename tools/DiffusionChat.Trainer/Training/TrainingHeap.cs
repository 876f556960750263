using DiffusionChat.Devices;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// Keeps a training step's large tensors on glibc's heap for reuse by the next step, instead of mapping fresh memory
/// for each and faulting it in page by page.
/// </summary>
/// <remarks>
/// <para>Why: a training step's activations and gradients are tens to hundreds of MiB per tensor (logits of 32 x 640
/// positions x 3,072 are 250 MiB), above the largest mmap threshold glibc accepts (32 MiB, which the library sets for
/// inference, <c>NativeHeapReuse</c>), so each is a fresh <c>mmap</c> touched 4 KiB at a time. Measured on the
/// benchmark machine (a VM, transparent huge pages only on request), one masked step of the shipped recipe on one
/// thread: ~790,000 page faults and 11.4 s; with the heap serving every size (this class) 170,000 faults and 5.4 s,
/// the same as glibc's own huge-page tunable (<c>GLIBC_TUNABLES=glibc.malloc.hugetlb=1</c>, 4.9 s), which cannot be
/// set from inside a running process (docs/training.md, session 22).</para>
/// <para>What: <c>mallopt</c> turns off mmap for allocations (every size comes from the heap, whose freed blocks the next
/// step reuses), never trims the heap's top, and grows it 256 MiB at a time. Resident memory then stays at the run's
/// peak (5-6 GiB for the shipped recipe). Only for <c>train</c>, only on Linux, and not when the process chose its own
/// malloc settings (<c>MALLOC_*</c> variables or a <c>glibc.malloc.</c> tunable).</para>
/// </remarks>
internal static class TrainingHeap
{
    /// <summary>Applies the settings when they apply; returns whether it did.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || ChoseOwnMallocSettings(Environment.GetEnvironmentVariables().Keys.Cast<string>(), Environment.GetEnvironmentVariable("GLIBC_TUNABLES")))
        {
            return false;
        }

        return NativeHeapReuse.TrySet(NativeHeapReuse.MmapMaxParameter, 0)
            & NativeHeapReuse.TrySet(NativeHeapReuse.TrimThresholdParameter, int.MaxValue)
            & NativeHeapReuse.TrySet(NativeHeapReuse.TopPadParameter, 256 << 20);
    }

    /// <summary>Whether the process set any glibc malloc variable or tunable itself.</summary>
    internal static bool ChoseOwnMallocSettings(IEnumerable<string> variableNames, string? tunables) =>
        variableNames.Any(n => n.StartsWith("MALLOC_", StringComparison.Ordinal))
        || tunables?.Contains("glibc.malloc.", StringComparison.Ordinal) == true;
}
