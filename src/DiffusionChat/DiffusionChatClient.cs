using System.Runtime.CompilerServices;
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
/// <para><see cref="ChatResponseFormat.Json"/> is enforced by <see cref="JsonResponseChatClient"/>, which
/// <c>AddDiffusionChatClient</c> puts next to this client; add it with <c>UseJsonResponseFormat()</c> when building a
/// pipeline by hand.</para>
/// </remarks>
public sealed class DiffusionChatClient : IChatClient
{
    /// <summary>The provider name reported in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "diffusionchat";

    /// <summary>The <c>UsageDetails.AdditionalCounts</c> key holding the number of forward passes.</summary>
    public const string ForwardPassesCountName = "forward_passes";

    private readonly ChatModelParts model;
    private readonly DiffusionChatClientOptions options;
    private readonly ILogger logger;
    private readonly ChatClientMetadata metadata;
    private readonly GenerationQueue queue;
    private int disposed;

    /// <summary>Creates a client over a loaded model's parts.</summary>
    /// <param name="model">The loaded model's parts (generator, tokenizer, chat format); owned by the client and disposed with it.</param>
    /// <param name="options">Client settings; validated, then copied.</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DiffusionChatClient(ChatModelParts model, DiffusionChatClientOptions? options = null, ILogger<DiffusionChatClient>? logger = null)
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
        queue = new GenerationQueue(model.Generator, this.options.MaxQueueLength, this.options.MaxBatchSize);
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
        var call = PreparedCall.Prepare(model, this.options, this, messages, options);
        var responseId = "resp_" + Guid.NewGuid().ToString("N");
        var messageId = "msg_" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;

        var updates = Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var assembler = new StreamingTextAssembler(call.StopTexts, call.Tools.Count > 0 ? [ChatMarkers.ToolCallStart] : []);
        var stopRequested = 0;
        var request = call.Request with
        {
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

        var (contents, finishReason) = ReplyContents.Build(model.Format, logger, call, answer, streamed.ToString(), assembler.Stopped, result);
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

    private ChatResponseUpdate Update(string text, string responseId, string messageId, DateTimeOffset created) =>
        new(ChatRole.Assistant, text) { ResponseId = responseId, MessageId = messageId, ModelId = model.ModelId, CreatedAt = created };

    private static UsageDetails Usage(int promptTokens, GenerationResult result) => new()
    {
        InputTokenCount = promptTokens,
        OutputTokenCount = result.Tokens.Count,
        TotalTokenCount = promptTokens + result.Tokens.Count,
        AdditionalCounts = new() { [ForwardPassesCountName] = result.ForwardPasses },
    };
}
