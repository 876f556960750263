using System.Text.Json;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>
/// <see cref="RequiredChatToolMode"/> as a prompt: the answer is started with an opened tool call (and the function's
/// name when one is required), so a tool call is what the model writes.
/// </summary>
internal static class ForcedToolCall
{
    /// <summary>The text the prompt ends with so the model continues a call; empty unless a call is required.</summary>
    /// <param name="chatOptions">The request's options (their <c>ToolMode</c> is read).</param>
    /// <param name="tools">The tools offered.</param>
    /// <exception cref="ArgumentException">A call is required but no tools are offered, or the required function is not among them.</exception>
    public static string Prefix(ChatOptions? chatOptions, IReadOnlyList<ToolDefinition> tools)
    {
        if (chatOptions?.ToolMode is not RequiredChatToolMode required)
        {
            return "";
        }

        if (tools.Count == 0)
        {
            throw new ArgumentException("ChatOptions.ToolMode requires a tool call but ChatOptions.Tools is empty.", nameof(chatOptions));
        }

        if (required.RequiredFunctionName is { } name && tools.All(t => t.Name != name))
        {
            throw new ArgumentException($"ChatOptions.ToolMode requires function '{name}', which is not among ChatOptions.Tools ({string.Join(", ", tools.Select(t => t.Name))}).", nameof(chatOptions));
        }

        return ChatMarkers.ToolCallStart + (required.RequiredFunctionName is { } fn ? "{\"name\":" + JsonSerializer.Serialize(fn) + ",\"arguments\":" : "");
    }
}
