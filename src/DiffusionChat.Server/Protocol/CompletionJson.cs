using System.Text.Json;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Protocol;

/// <summary>The parts a completion and a completion chunk share: finish reasons, tool calls, usage.</summary>
internal static class CompletionJson
{
    /// <summary>The <c>usage</c> field that carries the model's forward passes beside OpenAI's token counts.</summary>
    public const string ForwardPassesField = "forward_passes";

    // Tool arguments travel as a JSON string; compact, as OpenAI writes them (the M.E.AI defaults indent).
    private static readonly JsonSerializerOptions ArgumentOptions = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    public static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length" :
        reason == ChatFinishReason.ToolCalls ? "tool_calls" :
        reason == ChatFinishReason.ContentFilter ? "content_filter" :
        "stop";

    /// <summary>Writes <c>{"id","type":"function","function":{"name","arguments"}}</c> (with <c>index</c> for chunks).</summary>
    public static void WriteToolCall(Utf8JsonWriter writer, FunctionCallContent call, int? index)
    {
        writer.WriteStartObject();
        if (index is { } i)
        {
            writer.WriteNumber("index", i);
        }

        writer.WriteString("id", call.CallId);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", call.Name);
        writer.WriteString("arguments", JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, object?>(), ArgumentOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes <c>"usage":{prompt_tokens, completion_tokens, total_tokens, forward_passes}</c>.</summary>
    public static void WriteUsage(Utf8JsonWriter writer, UsageDetails? usage)
    {
        writer.WriteStartObject("usage");
        long prompt = usage?.InputTokenCount ?? 0;
        long completion = usage?.OutputTokenCount ?? 0;
        writer.WriteNumber("prompt_tokens", prompt);
        writer.WriteNumber("completion_tokens", completion);
        writer.WriteNumber("total_tokens", usage?.TotalTokenCount ?? prompt + completion);
        if (ForwardPasses(usage) is { } passes)
        {
            writer.WriteNumber(ForwardPassesField, passes);
        }

        writer.WriteEndObject();
    }

    public static long? ForwardPasses(UsageDetails? usage) =>
        usage?.AdditionalCounts is { } counts && counts.TryGetValue(DiffusionChatClient.ForwardPassesCountName, out long passes) ? passes : null;

    public static long UnixSeconds(DateTimeOffset? time) => (time ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
}
