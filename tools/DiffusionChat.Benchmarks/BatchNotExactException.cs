namespace DiffusionChat.Benchmarks;

/// <summary>
/// A batched run decoded different tokens than its prompts decode alone, so its speed figure would compare different
/// work; the benchmark stops instead of reporting it.
/// </summary>
public sealed class BatchNotExactException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BatchNotExactException()
    {
    }

    /// <summary>Creates the exception with a message naming the run, the row and the first differing token.</summary>
    /// <param name="message">The message.</param>
    public BatchNotExactException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchNotExactException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
