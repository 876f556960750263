namespace DiffusionChat.Prompting;

/// <summary>
/// A model family's chat format: how turns become the prompt text, and how the model's reply is read back into
/// text and tool calls. Implementations are stateless and thread-safe.
/// </summary>
public interface IChatPromptFormat
{
    /// <summary>A short name for logs and errors (e.g. <c>chatml</c>).</summary>
    string Name { get; }

    /// <summary>Texts that end the assistant's turn when the model writes them (cut from the reply).</summary>
    IReadOnlyList<string> EndOfTurnMarkers { get; }

    /// <summary>Renders the conversation, ending with the open assistant header the model continues.</summary>
    /// <param name="turns">The turns; a system turn, if any, first.</param>
    /// <param name="tools">Tools to describe to the model; empty for none.</param>
    /// <returns>The prompt text.</returns>
    string Render(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition> tools);

    /// <summary>Reads the generated reply into text and tool calls.</summary>
    /// <exception cref="ToolCallFormatException">A tool call in the reply is malformed.</exception>
    AssistantReply ParseReply(string output);
}
