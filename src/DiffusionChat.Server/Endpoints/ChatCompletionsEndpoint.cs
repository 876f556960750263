using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using DiffusionChat.Server.Errors;
using DiffusionChat.Server.Hosting;
using DiffusionChat.Server.Protocol;
using DiffusionChat.Server.Telemetry;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Endpoints;

/// <summary>
/// <c>POST /v1/chat/completions</c>: reads and checks the body, takes a place in the admission limit (429 when full),
/// calls the DI-registered <see cref="IChatClient"/> with the request's abort token (a caller that disconnects cancels
/// its generation) and writes the answer as one JSON object or as server-sent events.
/// </summary>
internal sealed class ChatCompletionsEndpoint(
    IServiceProvider services,
    ModelReadiness readiness,
    RequestAdmission admission,
    ServerMetrics metrics,
    DiffusionChatServerOptions options,
    ILogger<ChatCompletionsEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        // Cancelled when the caller disconnects, and in any case when this handler ends: a stream whose write failed
        // must not leave its generation running for nobody.
        using var generation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var aborted = generation.Token;
        int status = StatusCodes.Status200OK;
        bool stream = false;
        UsageDetails? usage = null;
        ChatCompletionRequest? request = null;
        try
        {
            if (!readiness.IsReady)
            {
                throw new OpenAIErrorException(OpenAIError.NotReady(readiness.Status)) { RetryAfterSeconds = options.RetryAfterSeconds };
            }

            using var body = await ReadBodyAsync(context.Request, aborted).ConfigureAwait(false);
            request = ChatCompletionRequestReader.Read(body.RootElement, readiness.ModelId!, options.MaxTokensLimit);
            stream = request.Stream;
            using var lease = admission.TryEnter()
                ?? throw new OpenAIErrorException(OpenAIError.QueueFull(admission.Limit)) { RetryAfterSeconds = options.RetryAfterSeconds };
            var client = services.GetRequiredService<IChatClient>();
            var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
            (usage, status) = stream
                ? await StreamAsync(client, request, id, context.Response, started, aborted).ConfigureAwait(false)
                : (await CompleteAsync(client, request, id, context.Response, aborted).ConfigureAwait(false), StatusCodes.Status200OK);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller went away: the abort token has cancelled its generation; nobody is left to answer.
            status = 499;
            logger.LogDebug("Client disconnected; its generation was cancelled.");
        }
        catch (Exception ex) when (context.Response.HasStarted)
        {
            // Writing the stream failed (the connection broke before the server saw the abort).
            status = 499;
            logger.LogDebug(ex, "Streaming to the client failed; its generation was cancelled.");
        }
        catch (Exception ex)
        {
            var error = ErrorMapping.FromException(ex, request);
            status = error.Status;
            if (status >= 500)
            {
                logger.LogError(ex, "Chat completion failed.");
            }

            if ((ex as OpenAIErrorException)?.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await error.WriteAsync(context.Response, aborted).ConfigureAwait(false);
        }
        finally
        {
            await generation.CancelAsync().ConfigureAwait(false);
            metrics.Completed(status, stream, Stopwatch.GetElapsedTime(started), usage);
        }
    }

    private static async Task<UsageDetails?> CompleteAsync(IChatClient client, ChatCompletionRequest request, string id, HttpResponse response, CancellationToken aborted)
    {
        var answer = await client.GetResponseAsync(request.Messages, request.Options, aborted).ConfigureAwait(false);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body, WireJson.WriterOptions);
        ChatCompletionWriter.Write(writer, id, request.Model, answer);
        await writer.FlushAsync(aborted).ConfigureAwait(false);
        return answer.Usage;
    }

    private async Task<(UsageDetails? Usage, int Status)> StreamAsync(
        IChatClient client, ChatCompletionRequest request, string id, HttpResponse response, long started, CancellationToken aborted)
    {
        var updates = client.GetStreamingResponseAsync(request.Messages, request.Options, aborted).GetAsyncEnumerator(aborted);
        await using var _ = updates.ConfigureAwait(false);

        // The first update comes after the request was checked and queued: errors up to here still get a status code.
        bool more = await updates.MoveNextAsync().ConfigureAwait(false);
        ChatCompletionChunkWriter.Start(response);
        var chunks = new ChatCompletionChunkWriter(response, id, request.Model, CompletionJson.UnixSeconds(null));
        await chunks.WriteRoleAsync(aborted).ConfigureAwait(false);

        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        var calls = new List<FunctionCallContent>();
        bool firstBlock = true;
        while (more)
        {
            var update = updates.Current;
            var text = string.Concat(update.Contents.OfType<TextContent>().Select(t => t.Text));
            if (text.Length > 0)
            {
                if (firstBlock)
                {
                    metrics.FirstBlock(Stopwatch.GetElapsedTime(started));
                    firstBlock = false;
                }

                await chunks.WriteContentAsync(text, aborted).ConfigureAwait(false);
            }

            calls.AddRange(update.Contents.OfType<FunctionCallContent>());
            usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
            finish = update.FinishReason ?? finish;
            try
            {
                more = await updates.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (!aborted.IsCancellationRequested)
            {
                // The generation failed after the status went out (e.g. JSON asked for and not written): tell the
                // caller in the stream. Write failures are not caught here; they end the request and its generation.
                var error = ErrorMapping.FromException(ex, request);
                logger.LogError(ex, "Streaming chat completion failed after the stream started.");
                await chunks.WriteErrorAsync(error, aborted).ConfigureAwait(false);
                await chunks.WriteDoneAsync(aborted).ConfigureAwait(false);
                return (null, error.Status);
            }
        }

        if (calls.Count > 0)
        {
            await chunks.WriteToolCallsAsync(calls, aborted).ConfigureAwait(false);
        }

        await chunks.WriteFinishAsync(finish, aborted).ConfigureAwait(false);
        if (request.IncludeUsage)
        {
            await chunks.WriteUsageAsync(usage, aborted).ConfigureAwait(false);
        }

        await chunks.WriteDoneAsync(aborted).ConfigureAwait(false);
        return (usage, StatusCodes.Status200OK);
    }

    /// <summary>Reads the body as JSON, refusing more than the configured size (413) and anything but JSON (415).</summary>
    private async Task<JsonDocument> ReadBodyAsync(HttpRequest request, CancellationToken aborted)
    {
        long limit = options.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
        }

        if (!string.IsNullOrEmpty(request.ContentType) && !request.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new OpenAIErrorException(new OpenAIError(StatusCodes.Status415UnsupportedMediaType,
                $"Unsupported Content-Type '{request.ContentType}'. Send the body as application/json.", OpenAIError.InvalidRequest, null, "unsupported_media_type"));
        }

        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(16 * 1024);
                int read = await request.Body.ReadAsync(memory, aborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAIErrorException(OpenAIError.TooLarge(limit));
        }

        try
        {
            return JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new OpenAIErrorException(OpenAIError.BadRequest(
                $"We could not parse the JSON body of your request ({ex.Message}). Send a JSON object as the body.", null, "invalid_json"));
        }
    }
}
