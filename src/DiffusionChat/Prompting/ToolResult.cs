namespace DiffusionChat.Prompting;

/// <summary>The output of one tool call, rendered as <c>&lt;tool_response&gt;\n...\n&lt;/tool_response&gt;</c> in a tool turn.</summary>
/// <param name="Content">What the tool returned (usually JSON, any text is allowed).</param>
public sealed record ToolResult(string Content);
