using System.Buffers;
using System.Text;
using System.Text.Json;
using DiffusionChat.Server.Errors;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Protocol;

/// <summary>
/// Writes a streamed answer as server-sent events in OpenAI's <c>chat.completion.chunk</c> shape: the role first, one
/// content delta per committed block, tool calls, a chunk with <c>finish_reason</c>, the usage chunk when asked for,
/// then <c>data: [DONE]</c>. Every event is flushed at once so a block reaches the caller when it is committed.
/// </summary>
internal sealed class ChatCompletionChunkWriter(HttpResponse response, string id, string model, long created)
{
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");

    public static void Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Tells nginx not to buffer the stream (it would hold blocks back until its buffer fills).
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public Task WriteRoleAsync(CancellationToken cancellationToken) =>
        WriteChunkAsync(w =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", "");
        }, finishReason: null, cancellationToken);

    public Task WriteContentAsync(string text, CancellationToken cancellationToken) =>
        WriteChunkAsync(w => w.WriteString("content", text), finishReason: null, cancellationToken);

    public Task WriteToolCallsAsync(IReadOnlyList<FunctionCallContent> calls, CancellationToken cancellationToken) =>
        WriteChunkAsync(w =>
        {
            w.WriteStartArray("tool_calls");
            for (int i = 0; i < calls.Count; i++)
            {
                CompletionJson.WriteToolCall(w, calls[i], i);
            }

            w.WriteEndArray();
        }, finishReason: null, cancellationToken);

    public Task WriteFinishAsync(ChatFinishReason? reason, CancellationToken cancellationToken) =>
        WriteChunkAsync(_ => { }, CompletionJson.FinishReason(reason), cancellationToken);

    public Task WriteUsageAsync(UsageDetails? usage, CancellationToken cancellationToken) =>
        WriteEventAsync(w =>
        {
            WriteHeader(w);
            w.WriteStartArray("choices");
            w.WriteEndArray();
            CompletionJson.WriteUsage(w, usage);
            w.WriteEndObject();
        }, cancellationToken);

    /// <summary>An error after the stream has started: the status is already sent, so it travels as an event.</summary>
    public Task WriteErrorAsync(OpenAIError error, CancellationToken cancellationToken) =>
        WriteEventAsync(error.WriteTo, cancellationToken);

    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Done, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task WriteChunkAsync(Action<Utf8JsonWriter> delta, string? finishReason, CancellationToken cancellationToken) =>
        WriteEventAsync(w =>
        {
            WriteHeader(w);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", finishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }, cancellationToken);

    private void WriteHeader(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    private async Task WriteEventAsync(Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.WriterOptions))
        {
            write(writer);
        }

        buffer.Write("\n\n"u8);
        await response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
