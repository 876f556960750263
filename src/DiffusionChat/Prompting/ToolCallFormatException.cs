namespace DiffusionChat.Prompting;

/// <summary>Assistant output contains a <c>&lt;tool_call&gt;</c> that cannot be read as a function call.</summary>
public sealed class ToolCallFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public ToolCallFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ToolCallFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ToolCallFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The raw text between the tags (or after an unclosed opening tag), when known.</summary>
    public string? CallText { get; init; }
}
