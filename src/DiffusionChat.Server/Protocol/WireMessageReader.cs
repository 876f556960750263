using System.Text;
using System.Text.Json;
using DiffusionChat.Server.Errors;
using Microsoft.Extensions.AI;
using static DiffusionChat.Server.Protocol.JsonFields;

namespace DiffusionChat.Server.Protocol;

/// <summary>
/// Reads OpenAI chat <c>messages</c> into <see cref="ChatMessage"/>s: text content (a string or text parts), assistant
/// <c>tool_calls</c> as <see cref="FunctionCallContent"/>, <c>tool</c> messages as <see cref="FunctionResultContent"/>.
/// </summary>
/// <remarks>
/// Roles: <c>system</c> and <c>developer</c> (both the system turn), <c>user</c>, <c>assistant</c>, <c>tool</c>. Images,
/// audio and files are refused (the models read text only); a tool result must answer a call an earlier assistant
/// message made.
/// </remarks>
internal static class WireMessageReader
{
    public static List<ChatMessage> Read(JsonElement messages)
    {
        Array(messages, "messages");
        var result = new List<ChatMessage>();
        var issuedCalls = new HashSet<string>(StringComparer.Ordinal);
        int i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            string path = $"messages[{i++}]";
            Object(message, path);
            var role = String(Required(message, "role", path + ".role"), path + ".role");
            result.Add(role switch
            {
                "system" or "developer" => new ChatMessage(ChatRole.System, Text(message, path, required: true)),
                "user" => new ChatMessage(ChatRole.User, Text(message, path, required: true)) { AuthorName = OptionalString(message, "name", path + ".name") },
                "assistant" => Assistant(message, path, issuedCalls),
                "tool" => ToolResult(message, path, issuedCalls),
                _ => throw new OpenAIErrorException(OpenAIError.BadRequest(
                    $"Invalid value for '{path}.role': '{role}'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.", path + ".role")),
            });
        }

        return result;
    }

    private static ChatMessage Assistant(JsonElement message, string path, HashSet<string> issuedCalls)
    {
        var contents = new List<AIContent>();
        var text = Text(message, path, required: false);
        if (!string.IsNullOrEmpty(text))
        {
            contents.Add(new TextContent(text));
        }

        if (TryGet(message, "tool_calls", out var calls))
        {
            int j = 0;
            foreach (var call in Array(calls, path + ".tool_calls").EnumerateArray())
            {
                string callPath = $"{path}.tool_calls[{j++}]";
                Object(call, callPath);
                var id = String(Required(call, "id", callPath + ".id"), callPath + ".id");
                var type = OptionalString(call, "type", callPath + ".type") ?? "function";
                if (type != "function")
                {
                    throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid value for '{callPath}.type': '{type}'. Only 'function' is supported.", callPath + ".type"));
                }

                var function = Object(Required(call, "function", callPath + ".function"), callPath + ".function");
                var name = String(Required(function, "name", callPath + ".function.name"), callPath + ".function.name");
                var argumentsJson = OptionalString(function, "arguments", callPath + ".function.arguments") ?? "{}";
                contents.Add(new FunctionCallContent(id, name, Arguments(argumentsJson, callPath + ".function.arguments")));
                issuedCalls.Add(id);
            }
        }

        if (contents.Count == 0)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': an assistant message needs 'content' or 'tool_calls'.", path + ".content"));
        }

        return new ChatMessage(ChatRole.Assistant, contents);
    }

    private static ChatMessage ToolResult(JsonElement message, string path, HashSet<string> issuedCalls)
    {
        var callId = String(Required(message, "tool_call_id", path + ".tool_call_id"), path + ".tool_call_id");
        if (!issuedCalls.Contains(callId))
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(
                $"Invalid '{path}.tool_call_id': '{callId}' answers no tool call of an earlier assistant message.", path + ".tool_call_id"));
        }

        return new ChatMessage(ChatRole.Tool, [new FunctionResultContent(callId, Text(message, path, required: true))]);
    }

    private static Dictionary<string, object?> Arguments(string json, string path)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': must be a JSON object encoded as a string.", path));
            }

            return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone(), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest($"Invalid '{path}': not valid JSON ({ex.Message}).", path));
        }
    }

    /// <summary>The text of <c>content</c>: a string, or an array of <c>{"type":"text","text":...}</c> parts joined.</summary>
    private static string? Text(JsonElement message, string path, bool required)
    {
        string contentPath = path + ".content";
        if (!TryGet(message, "content", out var content))
        {
            return required ? throw new OpenAIErrorException(OpenAIError.Missing(contentPath)) : null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new OpenAIErrorException(OpenAIError.WrongType(contentPath, "a string or an array of content parts", content));
        }

        var text = new StringBuilder();
        int k = 0;
        foreach (var part in content.EnumerateArray())
        {
            string partPath = $"{contentPath}[{k++}]";
            Object(part, partPath);
            var type = String(Required(part, "type", partPath + ".type"), partPath + ".type");
            if (type != "text")
            {
                throw new OpenAIErrorException(OpenAIError.BadRequest(
                    $"Invalid value for '{partPath}.type': '{type}'. This server's models read text only; supported: 'text'.", partPath + ".type", "unsupported_content"));
            }

            text.Append(String(Required(part, "text", partPath + ".text"), partPath + ".text"));
        }

        return text.ToString();
    }
}
