namespace DiffusionChat.Prompting;

/// <summary>
/// The literal markers of the shipped models' ChatML-style template. The tokenizer keeps each of the special tokens
/// as one id; the tag markers (<c>&lt;tool_call&gt;</c> ...) are ordinary text.
/// </summary>
public static class ChatMarkers
{
    /// <summary>Opens a turn; followed by the role name and a newline.</summary>
    public const string TurnStart = "<|im_start|>";

    /// <summary>Closes a turn; the model emitting it ends its reply.</summary>
    public const string TurnEnd = "<|im_end|>";

    /// <summary>End of a document (end-of-sequence for plain text).</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>The masked-diffusion absorbing state.</summary>
    public const string Mask = "<|mask|>";

    /// <summary>Padding after the end of a sequence.</summary>
    public const string Pad = "<|pad|>";

    /// <summary>Opens the tool list in the system turn.</summary>
    public const string ToolsStart = "<tools>";

    /// <summary>Closes the tool list.</summary>
    public const string ToolsEnd = "</tools>";

    /// <summary>Opens a tool call in an assistant turn.</summary>
    public const string ToolCallStart = "<tool_call>";

    /// <summary>Closes a tool call.</summary>
    public const string ToolCallEnd = "</tool_call>";

    /// <summary>Opens a tool result in a tool turn.</summary>
    public const string ToolResponseStart = "<tool_response>";

    /// <summary>Closes a tool result.</summary>
    public const string ToolResponseEnd = "</tool_response>";

    /// <summary>The special tokens every shipped tokenizer adds, in id order after the byte-level vocabulary.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = [EndOfText, TurnStart, TurnEnd, Mask, Pad];
}
