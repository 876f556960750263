namespace DiffusionChat.Prompting;

/// <summary>
/// ChatML (<c>&lt;|im_start|&gt;role\n...&lt;|im_end|&gt;</c>) with Hermes/Qwen tool calls: the shipped models' format,
/// rendered by <see cref="ChatTemplate"/> and read by <see cref="AssistantReplyParser"/>.
/// </summary>
public sealed class ChatMlPromptFormat : IChatPromptFormat
{
    /// <summary>The shared instance.</summary>
    public static ChatMlPromptFormat Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "chatml";

    /// <inheritdoc />
    public IReadOnlyList<string> EndOfTurnMarkers { get; } = [ChatMarkers.TurnEnd, ChatMarkers.EndOfText];

    /// <inheritdoc />
    public string Render(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition> tools) =>
        ChatTemplate.Render(turns, tools, addGenerationPrompt: true);

    /// <inheritdoc />
    public AssistantReply ParseReply(string output) => AssistantReplyParser.Parse(output);
}
