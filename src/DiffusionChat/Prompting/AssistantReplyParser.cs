using System.Text;
using System.Text.Json;

namespace DiffusionChat.Prompting;

/// <summary>Reads what a model generated after <c>&lt;|im_start|&gt;assistant\n</c> into text and tool calls.</summary>
/// <remarks>
/// Output is cut at the first <c>&lt;|im_end|&gt;</c> or <c>&lt;|endoftext|&gt;</c> (what follows is not part of the
/// turn). Each <c>&lt;tool_call&gt;...&lt;/tool_call&gt;</c> must hold a JSON object with a string <c>name</c> and an
/// object <c>arguments</c> (a missing <c>arguments</c> means no arguments, <c>{}</c>). Stateless and thread-safe.
/// </remarks>
public static class AssistantReplyParser
{
    /// <summary>Splits assistant output into text and tool calls.</summary>
    /// <param name="output">The generated text.</param>
    /// <returns>The reply.</returns>
    /// <exception cref="ToolCallFormatException">
    /// A tool call is unclosed, not JSON, not an object, lacks a string <c>name</c>, or has non-object arguments; or a
    /// closing tag has no opening tag.
    /// </exception>
    public static AssistantReply Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var end = FirstIndexOfAny(output, ChatMarkers.TurnEnd, ChatMarkers.EndOfText);
        var turn = end < 0 ? output : output[..end];

        var text = new StringBuilder();
        var calls = new List<ToolCall>();
        var position = 0;
        while (true)
        {
            var open = turn.IndexOf(ChatMarkers.ToolCallStart, position, StringComparison.Ordinal);
            var strayClose = turn.IndexOf(ChatMarkers.ToolCallEnd, position, StringComparison.Ordinal);
            if (strayClose >= 0 && (open < 0 || strayClose < open))
            {
                throw new ToolCallFormatException($"Found '{ChatMarkers.ToolCallEnd}' at character {strayClose} without a matching '{ChatMarkers.ToolCallStart}'.");
            }

            if (open < 0)
            {
                text.Append(turn, position, turn.Length - position);
                break;
            }

            text.Append(turn, position, open - position);
            var bodyStart = open + ChatMarkers.ToolCallStart.Length;
            var close = turn.IndexOf(ChatMarkers.ToolCallEnd, bodyStart, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ToolCallFormatException($"The tool call opened at character {open} is never closed with '{ChatMarkers.ToolCallEnd}'.")
                {
                    CallText = turn[bodyStart..],
                };
            }

            calls.Add(ParseCall(turn[bodyStart..close], calls.Count));
            position = close + ChatMarkers.ToolCallEnd.Length;
        }

        return new AssistantReply(text.ToString().Trim(), calls);
    }

    private static ToolCall ParseCall(string body, int index)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new ToolCallFormatException($"Tool call {index} is not valid JSON ({ex.Message}): {body}", ex) { CallText = body };
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ToolCallFormatException($"Tool call {index} must be a JSON object with \"name\" and \"arguments\", found {root.ValueKind}: {body}") { CallText = body };
            }

            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            {
                throw new ToolCallFormatException($"Tool call {index} needs a non-empty string \"name\": {body}") { CallText = body };
            }

            var arguments = "{}";
            if (root.TryGetProperty("arguments", out var args))
            {
                if (args.ValueKind != JsonValueKind.Object)
                {
                    throw new ToolCallFormatException($"Tool call {index} ('{name.GetString()}') has \"arguments\" of kind {args.ValueKind}; a JSON object is required: {body}") { CallText = body };
                }

                arguments = TemplateJson.Write(args);
            }

            return new ToolCall(name.GetString()!, arguments);
        }
    }

    private static int FirstIndexOfAny(string text, string first, string second)
    {
        var a = text.IndexOf(first, StringComparison.Ordinal);
        var b = text.IndexOf(second, StringComparison.Ordinal);
        return a < 0 ? b : b < 0 ? a : Math.Min(a, b);
    }
}
