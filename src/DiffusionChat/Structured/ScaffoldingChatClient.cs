using System.Runtime.CompilerServices;
using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Structured;

/// <summary>
/// Middleware that writes structured answers by scaffolding instead of free decoding: a required tool call
/// (<see cref="ChatToolMode.RequireAny"/>, <see cref="ChatToolMode.RequireSpecific(string)"/>) is laid out in the
/// model's tool-call format with the tool chosen by the model's likelihood and the arguments from the tool's schema,
/// and a <see cref="ChatResponseFormat.ForJsonSchema(JsonElement, string?, string?)"/> answer (what
/// <c>GetResponseAsync&lt;T&gt;</c> asks for) is laid out from its schema; the model fills only the values. Every other
/// request goes to the inner client unchanged.
/// </summary>
/// <remarks>
/// <para>The inner client must expose a <see cref="ChatModel"/> through <c>GetService</c> (as
/// <see cref="DiffusionChatClient"/> does) whose generator is masked (<see cref="MaskedTokenGenerator"/>, filled by
/// <see cref="MaskedScaffoldFiller"/>) or autoregressive (<see cref="AutoregressiveTokenGenerator"/>, constrained
/// decoding by <see cref="AutoregressiveScaffoldFiller"/>); otherwise structured requests throw
/// <see cref="NotSupportedException"/>.</para>
/// <para>Scaffolded answers are greedy (temperature, top-p, top-k and seed do not apply), report
/// <see cref="ChatResponse.Usage"/> with <c>forward_passes</c> like the inner client (a <see cref="UsageContent"/> when
/// streamed), and are streamed as one update.
/// They run one at a time, beside (not inside) the inner client's batching queue; the model is only read. The caller's
/// messages and options are never mutated. Thread-safe.</para>
/// </remarks>
public sealed class ScaffoldingChatClient : DelegatingChatClient
{
    private readonly ScaffoldLimits limits;
    private readonly MaskedScaffoldOptions masked;
    private readonly SemaphoreSlim gate = new(1, 1);
    private SlotVocabulary? vocabulary;

    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client that answers everything else and exposes the model.</param>
    /// <param name="limits">Bounds for what schemas leave open; defaults when null.</param>
    /// <param name="masked">How masked models grow values; defaults when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public ScaffoldingChatClient(IChatClient innerClient, ScaffoldLimits? limits = null, MaskedScaffoldOptions? masked = null)
        : base(innerClient)
    {
        this.limits = limits ?? new ScaffoldLimits();
        this.limits.Validate();
        this.masked = masked ?? new MaskedScaffoldOptions();
        this.masked.Validate();
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!IsStructured(options))
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        return await ScaffoldAsync(messages, options!, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!IsStructured(options))
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
            {
                yield return update;
            }

            yield break;
        }

        var response = await ScaffoldAsync(messages, options!, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            gate.Dispose();
        }

        base.Dispose(disposing);
    }

    private static bool IsStructured(ChatOptions? options) =>
        options is not null && ((options.ToolMode is RequiredChatToolMode && options.Tools is { Count: > 0 })
            || options.ResponseFormat is ChatResponseFormatJson { Schema: not null });

    private async Task<ChatResponse> ScaffoldAsync(IEnumerable<ChatMessage> messages, ChatOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var model = InnerClient.GetService<ChatModel>()
            ?? throw new NotSupportedException("Scaffolded answers need a DiffusionChat model behind the inner client (GetService<ChatModel>() returned null).");
        var turns = ChatTurnMapper.Map(messages, options.Instructions);
        bool toolCall = options.ToolMode is RequiredChatToolMode;
        var tools = toolCall ? ChatTurnMapper.MapTools(options.Tools) : [];
        var canvas = toolCall
            ? ToolCallScaffold.Build(tools, ((RequiredChatToolMode)options.ToolMode!).RequiredFunctionName, limits)
            : JsonSchemaScaffold.Build(((ChatResponseFormatJson)options.ResponseFormat!).Schema!.Value, limits);
        var prompt = model.Tokenizer.Encode(model.Format.Render(turns, tools));
        model.Generator.ValidatePrompt(prompt);

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        (string Text, ScaffoldCosts Costs) written;
        try
        {
            written = await Task.Run(() => Write(model, prompt, canvas, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        var contents = new List<AIContent>();
        ChatFinishReason reason = ChatFinishReason.Stop;
        if (toolCall)
        {
            foreach (var call in model.Format.ParseReply(written.Text).ToolCalls)
            {
                var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(call.ArgumentsJson, AIJsonUtilities.DefaultOptions);
                contents.Add(new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..24], call.Name, arguments));
            }

            reason = ChatFinishReason.ToolCalls;
        }
        else
        {
            contents.Add(new TextContent(written.Text));
        }

        int outputTokens = model.Tokenizer.Encode(written.Text).Count;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = "msg_" + Guid.NewGuid().ToString("N") })
        {
            ResponseId = "resp_" + Guid.NewGuid().ToString("N"),
            ModelId = model.ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = reason,
            Usage = new UsageDetails
            {
                InputTokenCount = prompt.Count,
                OutputTokenCount = outputTokens,
                TotalTokenCount = prompt.Count + outputTokens,
                AdditionalCounts = new() { [DiffusionChatClient.ForwardPassesCountName] = written.Costs.ForwardPasses },
            },
        };
    }

    private (string Text, ScaffoldCosts Costs) Write(ChatModel model, IReadOnlyList<int> prompt, CanvasNode canvas, CancellationToken cancellationToken)
    {
        switch (model.Generator)
        {
            case MaskedTokenGenerator generator:
            {
                vocabulary ??= new SlotVocabulary(model.Tokenizer, generator.Denoiser.VocabSize, [generator.Denoiser.MaskTokenId]);
                using var filler = new MaskedScaffoldFiller(generator.Denoiser, model.Tokenizer, prompt, vocabulary, masked);
                return (ScaffoldWriter.Write(canvas, filler, cancellationToken: cancellationToken), filler.Costs);
            }

            case AutoregressiveTokenGenerator generator:
            {
                vocabulary ??= new SlotVocabulary(model.Tokenizer, generator.Model.Config.VocabSize);
                using var filler = new AutoregressiveScaffoldFiller(generator.Model, model.Tokenizer, prompt, vocabulary);
                return (ScaffoldWriter.Write(canvas, filler, cancellationToken: cancellationToken), filler.Costs);
            }

            default:
                throw new NotSupportedException($"Scaffolded answers are implemented for masked and autoregressive models; model '{model.ModelId}' is {model.Generator.Family}.");
        }
    }
}
