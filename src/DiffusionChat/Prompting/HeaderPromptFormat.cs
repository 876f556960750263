using System.Text;
using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>
/// The Llama-3-style header format that LLaDA-8B-Instruct's <c>tokenizer_config.json</c> chat template produces:
/// <c>{bos}&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\n{content, trimmed}&lt;|eot_id|&gt;</c> per turn, then
/// the open assistant header. The template has no tool syntax of its own, so tools are described in the system turn
/// and called with the same <c>&lt;tool_call&gt;</c> tags as ChatML; tool results are a <c>tool</c> turn.
/// </summary>
public sealed class HeaderPromptFormat : IChatPromptFormat
{
    /// <summary>Opens a turn header; a chat template that uses it is of this format (<see cref="PromptFormatSelector"/>).</summary>
    internal const string HeaderStart = "<|start_header_id|>";
    private const string HeaderEnd = "<|end_header_id|>";
    private const string EndOfTurn = "<|eot_id|>";

    /// <summary>Creates the format.</summary>
    /// <param name="bosToken">The beginning-of-sequence text placed before the first turn (LLaDA: <c>&lt;|startoftext|&gt;</c>); empty for none.</param>
    /// <param name="eosToken">The end-of-sequence text, also ending the reply (LLaDA: <c>&lt;|endoftext|&gt;</c>); empty for none.</param>
    public HeaderPromptFormat(string bosToken, string eosToken)
    {
        ArgumentNullException.ThrowIfNull(bosToken);
        ArgumentNullException.ThrowIfNull(eosToken);
        BosToken = bosToken;
        EndOfTurnMarkers = eosToken.Length > 0 ? [EndOfTurn, eosToken] : [EndOfTurn];
    }

    /// <summary>The text placed before the first turn.</summary>
    public string BosToken { get; }

    /// <inheritdoc />
    public string Name => "llama3-header";

    /// <inheritdoc />
    public IReadOnlyList<string> EndOfTurnMarkers { get; }

    /// <inheritdoc />
    public string Render(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDefinition> tools)
    {
        ArgumentNullException.ThrowIfNull(turns);
        ArgumentNullException.ThrowIfNull(tools);
        var text = new StringBuilder(BosToken);
        var all = turns.ToList();
        if (tools.Count > 0)
        {
            var system = all.Count > 0 && all[0].Role == ChatTurnRole.System ? all[0].Text : ChatMlPromptFormat.DefaultSystemText;
            var described = new StringBuilder(system).Append("\n\n").Append(ChatMarkers.ToolsStart).Append('\n');
            foreach (var tool in tools)
            {
                described.Append(ToolJson(tool)).Append('\n');
            }

            described.Append(ChatMarkers.ToolsEnd);
            if (all.Count > 0 && all[0].Role == ChatTurnRole.System)
            {
                all[0] = all[0] with { Text = described.ToString() };
            }
            else
            {
                all.Insert(0, ChatTurn.System(described.ToString()));
            }
        }

        foreach (var turn in all)
        {
            text.Append(HeaderStart).Append(RoleName(turn.Role)).Append(HeaderEnd).Append("\n\n")
                .Append(Body(turn).Trim()).Append(EndOfTurn);
        }

        return text.Append(HeaderStart).Append("assistant").Append(HeaderEnd).Append("\n\n").ToString();
    }

    /// <inheritdoc />
    public AssistantReply ParseReply(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        int cut = output.Length;
        foreach (var marker in EndOfTurnMarkers)
        {
            int at = output.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0 && at < cut)
            {
                cut = at;
            }
        }

        return AssistantReplyParser.Parse(output[..cut]);
    }

    private static string Body(ChatTurn turn)
    {
        if (turn.Text.Contains(HeaderStart, StringComparison.Ordinal) || turn.Text.Contains(EndOfTurn, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A {turn.Role} turn contains a template marker ({HeaderStart} or {EndOfTurn}), which would forge a turn.", nameof(turn));
        }

        var body = new StringBuilder(turn.Text);
        foreach (var call in turn.ToolCalls)
        {
            using var args = JsonDocument.Parse(call.ArgumentsJson);
            body.Append('\n').Append(ChatMarkers.ToolCallStart)
                .Append(JsonSerializer.Serialize(new { name = call.Name, arguments = args.RootElement }))
                .Append(ChatMarkers.ToolCallEnd);
        }

        foreach (var result in turn.ToolResults)
        {
            body.Append('\n').Append(ChatMarkers.ToolResponseStart).Append('\n').Append(result.Content).Append('\n').Append(ChatMarkers.ToolResponseEnd);
        }

        return body.ToString();
    }

    private static string ToolJson(ToolDefinition tool)
    {
        using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
        return JsonSerializer.Serialize(new { name = tool.Name, description = tool.Description, parameters = schema.RootElement });
    }

    private static string RoleName(ChatTurnRole role) => role switch
    {
        ChatTurnRole.System => "system",
        ChatTurnRole.User => "user",
        ChatTurnRole.Assistant => "assistant",
        ChatTurnRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };
}
