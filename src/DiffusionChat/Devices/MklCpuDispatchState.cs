namespace DiffusionChat.Devices;

/// <summary>What <see cref="MklCpuDispatch.EnsureApplied"/> found and did.</summary>
public enum MklCpuDispatchState
{
    /// <summary>MKL had not chosen its kernels yet and now chooses them by the CPU's instruction sets.</summary>
    Applied,

    /// <summary>Nothing to do: an Intel CPU, not Linux x64, or MKL had already been told the same.</summary>
    NotNeeded,

    /// <summary>MKL had already chosen its kernels by vendor in this process (LibTorch products ran before the first
    /// call); they stay as chosen.</summary>
    TooLate,

    /// <summary><see cref="MklCpuDispatch.EnvironmentVariable"/> is <c>keep</c>.</summary>
    KeptByEnvironment,

    /// <summary>The loaded LibTorch has no MKL that exposes the answer (another build); nothing was changed.</summary>
    MklNotFound,

    /// <summary>MKL's answer function is not the machine code this was written for (another MKL build); nothing was
    /// changed.</summary>
    UnrecognizedMkl,
}
