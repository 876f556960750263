using System.Text;
using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>
/// ChatML (<c>&lt;|im_start|&gt;role\n...&lt;|im_end|&gt;</c>) with Hermes/Qwen tool calls: the shipped models' format (and
/// Qwen's), the one place that renders it (for chat calls and for training data) and reads the reply back through
/// <see cref="AssistantReplyParser"/>; see docs/chat-template.md.
/// </summary>
/// <remarks>
/// <code>
/// &lt;|im_start|&gt;system\n{text}\n\n&lt;tools&gt;\n{tool JSON per line}\n&lt;/tools&gt;&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;user\n{text}&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;assistant\n{text}\n&lt;tool_call&gt;{"name":"f","arguments":{...}}&lt;/tool_call&gt;&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;tool\n&lt;tool_response&gt;\n{result}\n&lt;/tool_response&gt;&lt;|im_end|&gt;\n
/// &lt;|im_start|&gt;assistant\n
/// </code>
/// The format never mutates the turns it is given. It is stateless and thread-safe.
/// </remarks>
public sealed class ChatMlPromptFormat : IChatPromptFormat
{
    /// <summary>System text used when tools are given but the conversation has no system turn.</summary>
    public const string DefaultSystemText = "You are a helpful assistant.";

    private ChatMlPromptFormat()
    {
    }

    /// <summary>The shared instance.</summary>
    public static ChatMlPromptFormat Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "chatml";

    /// <inheritdoc />
    public IReadOnlyList<string> EndOfTurnMarkers { get; } = [ChatMarkers.TurnEnd, ChatMarkers.EndOfText];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A turn is malformed (see <see cref="RenderWithSpans"/>).</exception>
    public string Render(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition> tools) =>
        RenderWithSpans(turns, tools, addGenerationPrompt: true).Text;

    /// <inheritdoc />
    public AssistantReply ParseReply(string output) => AssistantReplyParser.Parse(output);

    /// <summary>Renders a conversation and reports where each assistant turn's trained-on text lies.</summary>
    /// <param name="turns">The turns, in order. A system turn, if any, must come first.</param>
    /// <param name="tools">Tools listed in the system turn; none when null or empty.</param>
    /// <param name="addGenerationPrompt">Append the open <c>&lt;|im_start|&gt;assistant\n</c> header for the model to continue.</param>
    /// <returns>The text and the assistant spans.</returns>
    /// <exception cref="ArgumentException">
    /// A system turn is not first; a non-assistant turn has tool calls or a non-tool turn has tool results; a tool
    /// call has an empty name or non-object arguments; a tool schema is not a JSON object; or a text contains a
    /// template marker (<c>&lt;|im_start|&gt;</c>, <c>&lt;|im_end|&gt;</c>), which would forge a turn.
    /// </exception>
    public RenderedChat RenderWithSpans(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition>? tools = null, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var text = new StringBuilder();
        var spans = new List<Range>();
        var hasTools = tools is { Count: > 0 };

        if (hasTools && (turns.Count == 0 || turns[0].Role != ChatTurnRole.System))
        {
            AppendSystem(text, DefaultSystemText, tools!);
        }

        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i] ?? throw new ArgumentException($"Turn {i} is null.", nameof(turns));
            Validate(turn, i);
            switch (turn.Role)
            {
                case ChatTurnRole.System:
                    AppendSystem(text, turn.Text, hasTools ? tools! : []);
                    break;
                case ChatTurnRole.User:
                    AppendTurn(text, "user", turn.Text);
                    break;
                case ChatTurnRole.Assistant:
                    text.Append(ChatMarkers.TurnStart).Append("assistant\n");
                    var start = text.Length;
                    text.Append(AssistantBody(turn)).Append(ChatMarkers.TurnEnd);
                    spans.Add(start..text.Length);
                    text.Append('\n');
                    break;
                case ChatTurnRole.Tool:
                    AppendTurn(text, "tool", ToolBody(turn));
                    break;
                default:
                    throw new ArgumentException($"Turn {i} has unknown role {turn.Role}.", nameof(turns));
            }
        }

        if (addGenerationPrompt)
        {
            text.Append(ChatMarkers.TurnStart).Append("assistant\n");
        }

        return new RenderedChat(text.ToString(), spans);
    }

    /// <summary>The text of an assistant turn as the model writes it (without header and <c>&lt;|im_end|&gt;</c>).</summary>
    /// <param name="turn">An assistant turn.</param>
    /// <returns>The text, then each tool call on its own line.</returns>
    public string AssistantBody(ChatTurn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        var body = new StringBuilder(turn.Text);
        foreach (var call in turn.ToolCalls)
        {
            if (body.Length > 0)
            {
                body.Append('\n');
            }

            var arguments = call.CompactArguments();
            body.Append(ChatMarkers.ToolCallStart)
                .Append("{\"name\":").Append(TemplateJson.Write(call.Name))
                .Append(",\"arguments\":").Append(arguments).Append('}')
                .Append(ChatMarkers.ToolCallEnd);
        }

        return body.ToString();
    }

    private static string ToolBody(ChatTurn turn)
    {
        var body = new StringBuilder(turn.Text);
        foreach (var result in turn.ToolResults)
        {
            if (body.Length > 0)
            {
                body.Append('\n');
            }

            body.Append(ChatMarkers.ToolResponseStart).Append('\n').Append(result.Content).Append('\n').Append(ChatMarkers.ToolResponseEnd);
        }

        return body.ToString();
    }

    private static void AppendSystem(StringBuilder text, string systemText, IReadOnlyList<ToolDefinition> tools)
    {
        var body = new StringBuilder(systemText);
        if (tools.Count > 0)
        {
            body.Append("\n\n").Append(ChatMarkers.ToolsStart).Append('\n');
            foreach (var tool in tools)
            {
                body.Append(ToolJson(tool)).Append('\n');
            }

            body.Append(ChatMarkers.ToolsEnd);
        }

        AppendTurn(text, "system", body.ToString());
    }

    private static void AppendTurn(StringBuilder text, string role, string body) =>
        text.Append(ChatMarkers.TurnStart).Append(role).Append('\n').Append(body).Append(ChatMarkers.TurnEnd).Append('\n');

    private static string ToolJson(ToolDefinition tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (string.IsNullOrWhiteSpace(tool.Name))
        {
            throw new ArgumentException("A tool definition needs a non-empty name.", nameof(tool));
        }

        try
        {
            using var schema = JsonDocument.Parse(tool.ParametersSchemaJson ?? "");
            if (schema.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The parameters schema of tool '{tool.Name}' must be a JSON object, found {schema.RootElement.ValueKind}.", nameof(tool));
            }

            return "{\"name\":" + TemplateJson.Write(tool.Name)
                + ",\"description\":" + TemplateJson.Write(tool.Description ?? "")
                + ",\"parameters\":" + TemplateJson.Write(schema.RootElement) + "}";
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The parameters schema of tool '{tool.Name}' is not valid JSON ({ex.Message}).", nameof(tool), ex);
        }
    }

    private static void Validate(ChatTurn turn, int index)
    {
        if (turn.Role == ChatTurnRole.System && index != 0)
        {
            throw new ArgumentException($"Turn {index} is a system turn; only the first turn may be a system turn.", "turns");
        }

        if (turn.ToolCalls.Count > 0 && turn.Role != ChatTurnRole.Assistant)
        {
            throw new ArgumentException($"Turn {index} ({turn.Role}) has tool calls; only assistant turns may.", "turns");
        }

        if (turn.ToolResults.Count > 0 && turn.Role != ChatTurnRole.Tool)
        {
            throw new ArgumentException($"Turn {index} ({turn.Role}) has tool results; only tool turns may.", "turns");
        }

        if (turn.Text is null)
        {
            throw new ArgumentException($"Turn {index} ({turn.Role}) has null text; use an empty string.", "turns");
        }

        foreach (var marker in (string[])[ChatMarkers.TurnStart, ChatMarkers.TurnEnd])
        {
            if (turn.Text.Contains(marker, StringComparison.Ordinal) || turn.ToolResults.Any(r => r.Content?.Contains(marker, StringComparison.Ordinal) == true))
            {
                throw new ArgumentException($"Turn {index} ({turn.Role}) contains the template marker '{marker}', which would start or end a turn.", "turns");
            }
        }
    }
}
