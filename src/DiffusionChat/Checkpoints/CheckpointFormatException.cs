namespace DiffusionChat.Checkpoints;

/// <summary>
/// A checkpoint file or folder is malformed or does not fit the model: the message names the file and, where one is
/// involved, the tensor.
/// </summary>
public sealed class CheckpointFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public CheckpointFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CheckpointFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a file and, optionally, a tensor in it.</summary>
    /// <param name="filePath">The offending file.</param>
    /// <param name="tensorName">The offending tensor, if any.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public CheckpointFormatException(string filePath, string? tensorName, string problem, Exception? innerException = null)
        : base(Describe(filePath, tensorName, problem), innerException)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    /// <summary>The file the problem was found in, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The tensor the problem concerns, when there is one.</summary>
    public string? TensorName { get; }

    private static string Describe(string filePath, string? tensorName, string problem) =>
        tensorName is null
            ? $"Checkpoint file '{filePath}': {problem}"
            : $"Checkpoint file '{filePath}', tensor '{tensorName}': {problem}";
}
