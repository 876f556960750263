namespace DiffusionChat.Prompting;

/// <summary>Assistant output split into its prose and its tool calls.</summary>
/// <param name="Text">The text outside tool-call tags, trimmed.</param>
/// <param name="ToolCalls">The tool calls, in the order written; arguments re-serialized compactly.</param>
public sealed record AssistantReply(string Text, IReadOnlyList<ToolCall> ToolCalls);
