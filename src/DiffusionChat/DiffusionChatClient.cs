using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiffusionChat;

/// <summary>
/// An <see cref="IChatClient"/> over a locally loaded diffusion (or autoregressive baseline) model:
/// messages -> chat template -> tokens -> sampler -> tokens -> text and tool calls.
/// </summary>
/// <remarks>
/// <para>Thread-safe: concurrent calls go through one bounded queue to the model, and calls with compatible settings are
/// batched into shared forward passes. Cancelling one call surfaces <see cref="OperationCanceledException"/> to its
/// caller at once and leaves the others running.</para>
/// <para>Streaming yields text as each block is committed (never intermediate denoising states). All updates of a call
/// share one <c>ResponseId</c> and <c>MessageId</c>; the last carries the <c>FinishReason</c> and one
/// <see cref="UsageContent"/> whose <c>AdditionalCounts["forward_passes"]</c> is the number of model forward passes.</para>
/// <para>The caller's messages and options are never mutated. Unset <c>Seed</c> means a fresh random seed per call.</para>
/// </remarks>
public sealed class DiffusionChatClient : IChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "diffusionchat";

    /// <summary>The <c>UsageDetails.AdditionalCounts</c> key holding the number of forward passes.</summary>
    public const string ForwardPassesCountName = "forward_passes";

    private readonly ChatModel model;
    private readonly DiffusionChatClientOptions options;
    private readonly ILogger logger;
    private readonly ChatClientMetadata metadata;
    private readonly BatchingQueue<GenerationRequest, GenerationResult> queue;
    private int disposed;

    /// <summary>Creates a client over a loaded model.</summary>
    /// <param name="model">The model; owned by the client and disposed with it.</param>
    /// <param name="options">Client settings; validated, then copied.</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DiffusionChatClient(ChatModel model, DiffusionChatClientOptions? options = null, ILogger<DiffusionChatClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var settings = options ?? new DiffusionChatClientOptions();
        settings.Validate();
        this.model = model;
        this.options = new DiffusionChatClientOptions
        {
            DefaultMaxOutputTokens = settings.DefaultMaxOutputTokens,
            MaxQueueLength = settings.MaxQueueLength,
            MaxBatchSize = settings.MaxBatchSize,
            Diffusion = settings.Diffusion,
        };
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        metadata = new ChatClientMetadata(ProviderName, model.Folder is null ? null : new Uri(model.Folder), model.ModelId);
        queue = new BatchingQueue<GenerationRequest, GenerationResult>(RunBatchAsync, model.Generator.BatchKey, this.options.MaxQueueLength, this.options.MaxBatchSize);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
        }

        return updates.ToChatResponse();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        var call = PrepareCall(messages, options);
        var responseId = "resp_" + Guid.NewGuid().ToString("N");
        var messageId = "msg_" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;

        var updates = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var assembler = new StreamingTextAssembler(call.StopTexts, call.Tools.Count > 0 ? [ChatMarkers.ToolCallStart] : []);
        var stopRequested = 0;
        var request = new GenerationRequest(call.PromptTokens, call.Settings.MaxOutputTokens, call.Settings.Sampling, call.Settings.Diffusion)
        {
            StopTokenIds = call.StopTokenIds,
            OnUpdate = u => updates.Writer.TryWrite(u),
            StopRequested = () => Volatile.Read(ref stopRequested) != 0,
        };

        logger.LogDebug("Request {ResponseId}: {PromptTokens} prompt tokens, up to {MaxTokens} answer tokens.", responseId, call.PromptTokens.Count, call.Settings.MaxOutputTokens);
        var generation = queue.EnqueueAsync(request, cancellationToken);
        _ = generation.ContinueWith(t => updates.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);

        // With a forced tool-call prefix the whole answer is the call: nothing is streamed as text.
        bool streamText = call.ForcedPrefix.Length == 0;
        var streamed = new System.Text.StringBuilder();
        var tokens = new List<int>();
        string? answer = null;
        await foreach (var update in updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.AddRange(update.Tokens);
            var text = model.Tokenizer.Decode(tokens);
            var chunk = assembler.Advance(text, final: false);
            if (assembler.Stopped && answer is null)
            {
                answer = text[..assembler.AnswerLength];
                Volatile.Write(ref stopRequested, 1);
            }

            if (chunk.Length > 0 && streamText)
            {
                streamed.Append(chunk);
                yield return Update(chunk, responseId, messageId, created);
            }
        }

        var result = await generation.ConfigureAwait(false);
        var finalText = model.Tokenizer.Decode(result.Tokens);
        var last = assembler.Advance(finalText, final: true);
        if (assembler.Stopped && answer is null)
        {
            answer = finalText[..assembler.AnswerLength];
        }

        answer ??= finalText;
        if (last.Length > 0 && streamText)
        {
            streamed.Append(last);
            yield return Update(last, responseId, messageId, created);
        }

        var (contents, finishReason) = Finish(call, answer, streamed.ToString(), assembler.Stopped, result);
        contents.Add(new UsageContent(Usage(call.PromptTokens.Count, result)));
        logger.LogDebug("Request {ResponseId} finished: {Reason}, {Tokens} tokens, {Passes} forward passes.", responseId, finishReason, result.Tokens.Count, result.ForwardPasses);
        yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
        {
            ResponseId = responseId,
            MessageId = messageId,
            ModelId = model.ModelId,
            CreatedAt = created,
            FinishReason = finishReason,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            return metadata;
        }

        object?[] candidates = [this, model, model.Generator, model.Tokenizer, model.Format];
        return candidates.FirstOrDefault(serviceType.IsInstanceOfType);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        queue.DisposeAsync().AsTask().GetAwaiter().GetResult();
        model.Dispose();
    }

    private PreparedCall PrepareCall(IEnumerable<ChatMessage> messages, ChatOptions? chatOptions)
    {
        var turns = ChatTurnMapper.Map(messages, chatOptions?.Instructions);
        var toolMode = chatOptions?.ToolMode;
        var tools = toolMode is NoneChatToolMode ? [] : ChatTurnMapper.MapTools(chatOptions?.Tools);
        string forcedPrefix = "";
        if (toolMode is RequiredChatToolMode required)
        {
            if (tools.Count == 0)
            {
                throw new ArgumentException("ChatOptions.ToolMode requires a tool call but ChatOptions.Tools is empty.", nameof(chatOptions));
            }

            if (required.RequiredFunctionName is { } name && tools.All(t => t.Name != name))
            {
                throw new ArgumentException($"ChatOptions.ToolMode requires function '{name}', which is not among ChatOptions.Tools ({string.Join(", ", tools.Select(t => t.Name))}).", nameof(chatOptions));
            }

            // The model continues an already opened call, so a call is what it writes.
            forcedPrefix = ChatMarkers.ToolCallStart + (required.RequiredFunctionName is { } fn ? "{\"name\":" + JsonSerializer.Serialize(fn) + ",\"arguments\":" : "");
        }

        var settings = ChatOptionsReader.Read(chatOptions, this, model.ModelId, options.DefaultMaxOutputTokens, model.Generator.DefaultDiffusion.With(options.Diffusion));
        var prompt = model.Format.Render(turns, tools) + forcedPrefix;
        var promptTokens = model.Tokenizer.Encode(prompt);
        model.Generator.ValidatePrompt(promptTokens);
        int context = model.Generator.MaxSequenceLength;
        if (promptTokens.Count >= context)
        {
            throw new ArgumentException($"The prompt is {promptTokens.Count} tokens but model '{model.ModelId}' accepts at most {context} tokens of prompt plus answer. Shorten the conversation.", nameof(messages));
        }

        // In long: MaxOutputTokens near int.MaxValue must not wrap around and slip past the check.
        if ((long)promptTokens.Count + settings.MaxOutputTokens > context)
        {
            throw new ArgumentOutOfRangeException(nameof(chatOptions), settings.MaxOutputTokens,
                $"ChatOptions.MaxOutputTokens {settings.MaxOutputTokens} plus the {promptTokens.Count}-token prompt exceeds model '{model.ModelId}''s context of {context} tokens; at most {context - promptTokens.Count} answer tokens fit.");
        }

        var stopIds = new List<int>();
        foreach (var marker in model.Format.EndOfTurnMarkers)
        {
            if (model.Tokenizer.TryGetSpecialTokenId(marker, out int id))
            {
                stopIds.Add(id);
            }
        }

        var stopTexts = settings.StopSequences.Concat(model.Format.EndOfTurnMarkers).ToList();
        return new PreparedCall(settings, tools, promptTokens, stopIds, stopTexts, forcedPrefix);
    }

    /// <summary>The final update's contents: what was withheld from streaming (tool calls, text after them) and why it ended.</summary>
    private (List<AIContent> Contents, ChatFinishReason Reason) Finish(PreparedCall call, string answer, string streamed, bool stoppedByText, GenerationResult result)
    {
        var contents = new List<AIContent>();
        var reply = call.ForcedPrefix + answer;
        bool hitLength = result.FinishReason == GenerationFinishReason.Length && !stoppedByText;
        if (call.Tools.Count > 0 && reply.Contains(ChatMarkers.ToolCallStart, StringComparison.Ordinal))
        {
            AssistantReply parsed;
            try
            {
                parsed = model.Format.ParseReply(reply);
            }
            catch (ToolCallFormatException ex)
            {
                logger.LogWarning(ex, "The model wrote a malformed tool call; returning it as text.");
                contents.Add(new TextContent(Unstreamed(reply, streamed)));
                return (contents, hitLength ? ChatFinishReason.Length : ChatFinishReason.Stop);
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

            if (parsed.ToolCalls.Count > 0)
            {
                return (contents, ChatFinishReason.ToolCalls);
            }
        }

        if (call.Settings.JsonResponse)
        {
            EnsureJson(answer);
        }

        return (contents, hitLength ? ChatFinishReason.Length : ChatFinishReason.Stop);
    }

    private void EnsureJson(string answer)
    {
        try
        {
            using var _ = JsonDocument.Parse(answer);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"ChatOptions.ResponseFormat asks for JSON but model '{model.ModelId}' answered text that is not valid JSON ({ex.Message}): {Truncate(answer)}", ex);
        }
    }

    private ChatResponseUpdate Update(string text, string responseId, string messageId, DateTimeOffset created) =>
        new(ChatRole.Assistant, text) { ResponseId = responseId, MessageId = messageId, ModelId = model.ModelId, CreatedAt = created };

    private static UsageDetails Usage(int promptTokens, GenerationResult result) => new()
    {
        InputTokenCount = promptTokens,
        OutputTokenCount = result.Tokens.Count,
        TotalTokenCount = promptTokens + result.Tokens.Count,
        AdditionalCounts = new() { [ForwardPassesCountName] = result.ForwardPasses },
    };

    private async Task RunBatchAsync(IReadOnlyList<BatchingQueue<GenerationRequest, GenerationResult>.WorkItem> batch, CancellationToken cancellationToken)
    {
        var results = await model.Generator.GenerateAsync(batch.Select(b => b.Request).ToList(), cancellationToken).ConfigureAwait(false);
        if (results.Count != batch.Count)
        {
            throw new InvalidOperationException($"The generator returned {results.Count} results for a batch of {batch.Count} requests.");
        }

        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }

        NativeHeap.Trim();
    }

    private static string Unstreamed(string full, string streamed) =>
        full.StartsWith(streamed, StringComparison.Ordinal) ? full[streamed.Length..] : full;

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private sealed record PreparedCall(
        ChatRequestSettings Settings,
        IReadOnlyList<ToolDefinition> Tools,
        IReadOnlyList<int> PromptTokens,
        IReadOnlyList<int> StopTokenIds,
        IReadOnlyList<string> StopTexts,
        string ForcedPrefix);
}
