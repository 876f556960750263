using System.Text.Json;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Protocol;

/// <summary>Writes a non-streaming <c>chat.completion</c> object from a <see cref="ChatResponse"/>.</summary>
internal static class ChatCompletionWriter
{
    public static void Write(Utf8JsonWriter writer, string id, string model, ChatResponse response)
    {
        var contents = response.Messages.SelectMany(m => m.Contents).ToList();
        var text = string.Concat(contents.OfType<TextContent>().Select(t => t.Text));
        var calls = contents.OfType<FunctionCallContent>().ToList();

        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", CompletionJson.UnixSeconds(response.CreatedAt));
        writer.WriteString("model", model);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        // OpenAI sends null content for an answer that is only tool calls.
        writer.WriteString("content", calls.Count > 0 && text.Length == 0 ? null : text);
        writer.WriteNull("refusal");
        if (calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach (var call in calls)
            {
                CompletionJson.WriteToolCall(writer, call, index: null);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteNull("logprobs");
        writer.WriteString("finish_reason", CompletionJson.FinishReason(response.FinishReason));
        writer.WriteEndObject();
        writer.WriteEndArray();
        CompletionJson.WriteUsage(writer, response.Usage);
        writer.WriteEndObject();
    }
}
