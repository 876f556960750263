using System.Text.Json;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>
/// Maps Microsoft.Extensions.AI messages and tools to the template's typed turns, validating the conversation on the
/// way. The caller's messages and options are only read.
/// </summary>
internal static class ChatTurnMapper
{
    // Compact JSON: the template writes arguments and results on one line.
    private static readonly JsonSerializerOptions CompactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>Maps a conversation.</summary>
    /// <param name="messages">The caller's messages.</param>
    /// <param name="instructions"><c>ChatOptions.Instructions</c>: prepended to the system text.</param>
    /// <exception cref="ArgumentNullException"><paramref name="messages"/> or an element is null.</exception>
    /// <exception cref="ArgumentException">
    /// No messages, no user message, an empty or whitespace-only message, a system message after other messages,
    /// or a tool result whose call id no earlier assistant message issued.
    /// </exception>
    /// <exception cref="NotSupportedException">A message holds content other than text, function calls and results.</exception>
    public static IReadOnlyList<ChatTurn> Map(IEnumerable<ChatMessage> messages, string? instructions)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one chat message is required.", nameof(messages));
        }

        var turns = new List<ChatTurn>();
        var systemText = new List<string>();
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            systemText.Add(instructions);
        }

        var issuedCallIds = new HashSet<string>(StringComparer.Ordinal);
        bool sawUser = false, sawNonSystem = false;
        for (int i = 0; i < list.Count; i++)
        {
            var message = list[i] ?? throw new ArgumentNullException(nameof(messages), $"Chat message {i} is null.");
            var (text, calls, results) = ReadContents(message, i);
            var role = message.Role;

            if (role == ChatRole.System)
            {
                if (sawNonSystem)
                {
                    throw new ArgumentException($"Chat message {i} is a system message after other messages; system messages must come first.", nameof(messages));
                }

                RequireText(text, i, role);
                systemText.Add(text);
                continue;
            }

            sawNonSystem = true;
            if (role == ChatRole.User)
            {
                RequireText(text, i, role);
                sawUser = true;
                turns.Add(ChatTurn.User(text));
            }
            else if (role == ChatRole.Assistant)
            {
                if (string.IsNullOrWhiteSpace(text) && calls.Count == 0)
                {
                    throw new ArgumentException($"Chat message {i} (assistant) is empty: it has neither text nor function calls.", nameof(messages));
                }

                foreach (var call in calls)
                {
                    issuedCallIds.Add(call.CallId);
                }

                turns.Add(new ChatTurn(ChatTurnRole.Assistant, text) { ToolCalls = calls.Select(ToToolCall).ToList() });
            }
            else if (role == ChatRole.Tool)
            {
                if (results.Count == 0)
                {
                    throw new ArgumentException($"Chat message {i} (tool) holds no FunctionResultContent.", nameof(messages));
                }

                foreach (var result in results)
                {
                    if (!issuedCallIds.Contains(result.CallId))
                    {
                        throw new ArgumentException(
                            $"Chat message {i} returns a result for call id '{result.CallId}', but no earlier assistant message made a function call with that id.",
                            nameof(messages));
                    }
                }

                turns.Add(new ChatTurn(ChatTurnRole.Tool, "") { ToolResults = results.Select(r => new ToolResult(SerializeResult(r.Result))).ToList() });
            }
            else
            {
                throw new NotSupportedException($"Chat message {i} has role '{role}'; supported roles are system, user, assistant and tool.");
            }
        }

        if (!sawUser)
        {
            throw new ArgumentException("The conversation needs at least one user message (only system/assistant/tool messages were given).", nameof(messages));
        }

        if (systemText.Count > 0)
        {
            turns.Insert(0, ChatTurn.System(string.Join("\n\n", systemText)));
        }

        return turns;
    }

    /// <summary>Maps the function tools the model may call.</summary>
    /// <exception cref="NotSupportedException">A tool is not a function declaration (e.g. a hosted tool).</exception>
    /// <exception cref="ArgumentException">A tool has an empty name, a duplicate name, or a schema that is not a JSON object.</exception>
    public static IReadOnlyList<ToolDefinition> MapTools(IEnumerable<AITool>? tools)
    {
        var result = new List<ToolDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tool in tools ?? [])
        {
            if (tool is not AIFunctionDeclaration function)
            {
                throw new NotSupportedException($"Tool '{tool?.Name}' of type {tool?.GetType().Name ?? "null"} is not supported; only function tools (AIFunctionDeclaration) are.");
            }

            if (string.IsNullOrWhiteSpace(function.Name))
            {
                throw new ArgumentException("A function tool has an empty name.", nameof(tools));
            }

            if (!names.Add(function.Name))
            {
                throw new ArgumentException($"Function tool name '{function.Name}' appears more than once.", nameof(tools));
            }

            if (function.JsonSchema.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"Function tool '{function.Name}' has a parameter schema of kind {function.JsonSchema.ValueKind}; a JSON object schema is required.", nameof(tools));
            }

            result.Add(new ToolDefinition(function.Name, function.Description ?? "", function.JsonSchema.GetRawText()));
        }

        return result;
    }

    private static (string Text, List<FunctionCallContent> Calls, List<FunctionResultContent> Results) ReadContents(ChatMessage message, int index)
    {
        var text = new System.Text.StringBuilder();
        var calls = new List<FunctionCallContent>();
        var results = new List<FunctionResultContent>();
        foreach (var content in message.Contents)
        {
            switch (content)
            {
                case TextContent t:
                    text.Append(t.Text);
                    break;
                case FunctionCallContent call:
                    calls.Add(call);
                    break;
                case FunctionResultContent r:
                    results.Add(r);
                    break;
                case UsageContent or TextReasoningContent or ErrorContent:
                    // Informational content from earlier responses: not part of what the model reads.
                    break;
                default:
                    throw new NotSupportedException(
                        $"Chat message {index} ({message.Role}) contains {content?.GetType().Name ?? "null content"}; this model reads text only (plus function calls and results).");
            }
        }

        return (text.ToString(), calls, results);
    }

    private static void RequireText(string text, int index, ChatRole role)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException($"Chat message {index} ({role}) has no text (empty or whitespace only).", "messages");
        }
    }

    private static ToolCall ToToolCall(FunctionCallContent call) =>
        new(call.Name, JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), CompactJson));

    // A string result (also as a JSON string element, which is how M.E.AI's function invocation hands back a .NET
    // function's string return value) is the tool's text as is: quoting it again would hide JSON a tool returned.
    private static string SerializeResult(object? result) => result switch
    {
        null => "null",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        JsonElement e => e.GetRawText(),
        _ => JsonSerializer.Serialize(result, CompactJson),
    };
}
