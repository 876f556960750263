namespace DiffusionChat.Prompting;

/// <summary>One turn of a conversation in the shipped models' chat template.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Text">The turn's text (may be empty, e.g. an assistant turn that only calls tools).</param>
/// <remarks>
/// Only assistant turns may carry <see cref="ToolCalls"/>, only tool turns <see cref="ToolResults"/>; the renderer
/// rejects anything else rather than silently dropping it.
/// </remarks>
public sealed record ChatTurn(ChatTurnRole Role, string Text)
{
    /// <summary>Tool calls emitted by an assistant turn, rendered after its text.</summary>
    public IReadOnlyList<ToolCall> ToolCalls { get; init; } = [];

    /// <summary>Results carried by a tool turn, one <c>&lt;tool_response&gt;</c> block each, after its text.</summary>
    public IReadOnlyList<ToolResult> ToolResults { get; init; } = [];

    /// <summary>A system turn.</summary>
    public static ChatTurn System(string text) => new(ChatTurnRole.System, text);

    /// <summary>A user turn.</summary>
    public static ChatTurn User(string text) => new(ChatTurnRole.User, text);

    /// <summary>An assistant turn, optionally with tool calls.</summary>
    public static ChatTurn Assistant(string text, params ToolCall[] toolCalls) => new(ChatTurnRole.Assistant, text) { ToolCalls = toolCalls };

    /// <summary>A tool turn carrying one or more results.</summary>
    public static ChatTurn Tool(params ToolResult[] results) => new(ChatTurnRole.Tool, "") { ToolResults = results };
}
