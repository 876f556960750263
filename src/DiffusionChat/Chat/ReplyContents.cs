using DiffusionChat.Sampling;
using System.Text.Json;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace DiffusionChat.Chat;

/// <summary>
/// The last update of a response: what was withheld from streaming (tool calls, and text after them) and why the
/// answer ended.
/// </summary>
internal static class ReplyContents
{
    /// <summary>Builds the final contents and finish reason.</summary>
    /// <param name="format">The model's chat format (parses tool calls).</param>
    /// <param name="logger">Told when the model wrote a malformed tool call.</param>
    /// <param name="call">The prepared call.</param>
    /// <param name="answer">The answer text, cut at a stop sequence.</param>
    /// <param name="streamed">The text already streamed to the caller.</param>
    /// <param name="stoppedByText">Whether a stop text ended the answer.</param>
    /// <param name="result">The generator's result.</param>
    public static (List<AIContent> Contents, ChatFinishReason Reason) Build(
        IChatPromptFormat format, ILogger logger, PreparedCall call, string answer, string streamed, bool stoppedByText, GenerationResult result)
    {
        var contents = new List<AIContent>();
        var reply = call.ForcedPrefix + answer;
        bool hitLength = result.FinishReason == GenerationFinishReason.Length && !stoppedByText;
        var ended = hitLength ? ChatFinishReason.Length : ChatFinishReason.Stop;
        if (call.Tools.Count == 0 || !reply.Contains(ChatMarkers.ToolCallStart, StringComparison.Ordinal))
        {
            return (contents, ended);
        }

        AssistantReply parsed;
        try
        {
            parsed = format.ParseReply(reply);
        }
        catch (ToolCallFormatException ex)
        {
            logger.LogWarning(ex, "The model wrote a malformed tool call; returning it as text.");
            contents.Add(new TextContent(Unstreamed(reply, streamed)));
            return (contents, ended);
        }

        var rest = Unstreamed(parsed.Text, streamed.Trim());
        if (rest.Trim().Length > 0)
        {
            contents.Add(new TextContent(rest));
        }

        foreach (var toolCall in parsed.ToolCalls)
        {
            var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(toolCall.ArgumentsJson, AIJsonUtilities.DefaultOptions);
            contents.Add(new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..24], toolCall.Name, arguments));
        }

        return (contents, parsed.ToolCalls.Count > 0 ? ChatFinishReason.ToolCalls : ended);
    }

    private static string Unstreamed(string full, string streamed) =>
        full.StartsWith(streamed, StringComparison.Ordinal) ? full[streamed.Length..] : full;
}
