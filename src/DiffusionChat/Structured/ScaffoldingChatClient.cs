using System.Runtime.CompilerServices;
using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Structured;

/// <summary>
/// Middleware that writes structured answers by scaffolding instead of free decoding: a tool call is laid out in the
/// model's tool-call format with the tool chosen by the model's likelihood and the arguments from the tool's schema,
/// and a <see cref="ChatResponseFormat.ForJsonSchema(JsonElement, string?, string?)"/> answer (what
/// <c>GetResponseAsync&lt;T&gt;</c> asks for) is laid out from its schema; the model fills only the values. Every other
/// request goes to the inner client unchanged.
/// </summary>
/// <remarks>
/// <para>When the structure applies:</para>
/// <list type="bullet">
/// <item><description><see cref="ChatToolMode.RequireAny"/> / <see cref="ChatToolMode.RequireSpecific(string)"/> with
/// tools: always a scaffolded call (to the named tool, or to the offered tool the model scores highest).</description></item>
/// <item><description>Tools with <see cref="ChatToolMode.Auto"/> (or no mode): the model's own choice. One pass asks
/// for the model's most likely first answer token; when it is the first token of the call marker (<c>&lt;tool_call&gt;</c>)
/// the call is scaffolded, otherwise the request goes on to the rules below (the pass is added to the reported
/// <c>forward_passes</c>).</description></item>
/// <item><description><see cref="ChatResponseFormatJson"/> with a schema: the value is scaffolded from the schema.</description></item>
/// <item><description><see cref="ChatResponseFormat.Json"/> without a schema: the inner client answers freely; when
/// that answer is not valid JSON, it is replaced by a scaffolded <c>{"answer":"..."}</c> object, so the result always
/// parses.</description></item>
/// </list>
/// <para>The inner client must expose a <see cref="ChatModelParts"/> through <c>GetService</c> (as
/// <see cref="DiffusionChatClient"/> does); structured requests over a client without one throw
/// <see cref="NotSupportedException"/>. Masked models (<see cref="MaskedTokenGenerator"/>) are filled by
/// <see cref="MaskedScaffoldFiller"/>, autoregressive ones (<see cref="AutoregressiveTokenGenerator"/>) by constrained
/// decoding in <see cref="AutoregressiveScaffoldFiller"/>, simplex ones (<see cref="SimplexTokenGenerator"/>) by
/// <see cref="SimplexScaffoldFiller"/> (value blocks denoised from the tokens a value may hold); requests to other
/// families (Dream, SDAR) go to the inner client unchanged.</para>
/// <para>Scaffolded answers are greedy (temperature, top-p, top-k and seed do not apply), report
/// <see cref="ChatResponse.Usage"/> with <c>forward_passes</c> like the inner client (a <see cref="UsageContent"/> when
/// streamed), and are streamed as one update.
/// They run one at a time, beside (not inside) the inner client's batching queue; the model is only read. The caller's
/// messages and options are never mutated. Thread-safe.</para>
/// </remarks>
public sealed class ScaffoldingChatClient : DelegatingChatClient
{
    /// <summary>The object a <see cref="ChatResponseFormat.Json"/> answer is scaffolded as when the free answer is not JSON.</summary>
    private const string AnyJsonFallbackSchema = """{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}""";

    private readonly ScaffoldLimits limits;
    private readonly MaskedScaffoldOptions? masked;
    private readonly SemaphoreSlim gate = new(1, 1);
    private SlotVocabulary? vocabulary;

    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client that answers everything else and exposes the model.</param>
    /// <param name="limits">Bounds for what schemas leave open; defaults when null.</param>
    /// <param name="masked">How masked models grow values; when null, <see cref="MaskedScaffoldOptions.ForModelDefaultBlockLength"/> of the model.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    public ScaffoldingChatClient(IChatClient innerClient, ScaffoldLimits? limits = null, MaskedScaffoldOptions? masked = null)
        : base(innerClient)
    {
        this.limits = limits ?? new ScaffoldLimits();
        this.limits.Validate();
        masked?.Validate();
        this.masked = masked;
    }

    private enum Structure
    {
        None,
        RequiredCall,
        ChosenCall,
        Schema,
        AnyJson,
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var structure = Classify(options, askModel: true);
        var model = structure == Structure.None ? null : ScaffoldableModel(structure);
        if (model is null)
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }

        var (scaffolded, probePasses) = await TryScaffoldAsync(messages, options!, model, structure, 0, cancellationToken).ConfigureAwait(false);
        if (scaffolded is not null)
        {
            return scaffolded;
        }

        structure = Classify(options, askModel: false);
        if (structure == Structure.Schema)
        {
            return (await TryScaffoldAsync(messages, options!, model, structure, probePasses, cancellationToken).ConfigureAwait(false)).Response!;
        }

        if (structure == Structure.AnyJson)
        {
            return await AnyJsonAsync(messages, options!, model, probePasses, cancellationToken).ConfigureAwait(false);
        }

        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        AddForwardPasses(response.Usage, probePasses);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var structure = Classify(options, askModel: true);
        var model = structure == Structure.None ? null : ScaffoldableModel(structure);
        ChatResponse? whole = null;
        int probePasses = 0;
        if (model is not null)
        {
            (whole, probePasses) = await TryScaffoldAsync(messages, options!, model, structure, 0, cancellationToken).ConfigureAwait(false);
            var declined = whole is null ? Classify(options, askModel: false) : Structure.None;
            if (declined == Structure.Schema)
            {
                (whole, _) = await TryScaffoldAsync(messages, options!, model, declined, probePasses, cancellationToken).ConfigureAwait(false);
            }
            else if (declined == Structure.AnyJson)
            {
                // Whether the free answer parses is known only at its end, so it is sent as one update, like a scaffold.
                whole = await AnyJsonAsync(messages, options!, model, probePasses, cancellationToken).ConfigureAwait(false);
            }
        }

        if (whole is not null)
        {
            foreach (var update in whole.ToChatResponseUpdates())
            {
                yield return update;
            }

            yield break;
        }

        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            foreach (var usage in update.Contents.OfType<UsageContent>())
            {
                AddForwardPasses(usage.Details, probePasses);
            }

            yield return update;
        }
    }

    /// <inheritdoc />
    /// <remarks>Also answers <see cref="MaskedInfilling"/> (span infilling over the model) when the model is masked, and
    /// <see cref="SimplexInfilling"/> (with the model's default steps) when it is a simplex model.</remarks>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceType == typeof(MaskedInfilling) && serviceKey is null)
        {
            return InnerClient.GetService<ChatModelParts>() is { Generator: MaskedTokenGenerator generator } model
                ? MaskedInfilling.For(generator, model.Tokenizer)
                : null;
        }

        if (serviceType == typeof(SimplexInfilling) && serviceKey is null)
        {
            return InnerClient.GetService<ChatModelParts>() is { Generator: SimplexTokenGenerator simplex } parts
                ? SimplexInfilling.For(simplex, parts.Tokenizer)
                : null;
        }

        return base.GetService(serviceType, serviceKey);
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

    /// <summary>What the request asks for; with <paramref name="askModel"/> false, a tool call the model may choose is left out (it declined).</summary>
    private static Structure Classify(ChatOptions? options, bool askModel)
    {
        if (options is null)
        {
            return Structure.None;
        }

        bool tools = options.Tools?.OfType<AIFunctionDeclaration>().Any() == true;
        if (tools && options.ToolMode is RequiredChatToolMode)
        {
            return Structure.RequiredCall;
        }

        if (askModel && tools && options.ToolMode is null or AutoChatToolMode)
        {
            return Structure.ChosenCall;
        }

        return options.ResponseFormat switch
        {
            ChatResponseFormatJson { Schema: not null } => Structure.Schema,
            ChatResponseFormatJson => Structure.AnyJson,
            _ => Structure.None,
        };
    }

    private static void AddForwardPasses(UsageDetails? usage, int passes)
    {
        if (passes > 0 && usage is not null)
        {
            usage.AdditionalCounts ??= [];
            usage.AdditionalCounts[DiffusionChatClient.ForwardPassesCountName] = usage.AdditionalCounts.GetValueOrDefault(DiffusionChatClient.ForwardPassesCountName) + passes;
        }
    }

    /// <summary>The model behind the inner client when this middleware can fill scaffolds with it, else null.</summary>
    /// <remarks>A structure the request requires (a tool call, a schema) over a client without a model is refused; one
    /// that is only offered (a call the model may choose, JSON without a schema) is left to the inner client.</remarks>
    private ChatModelParts? ScaffoldableModel(Structure structure)
    {
        var model = InnerClient.GetService<ChatModelParts>();
        if (model is null)
        {
            return structure is Structure.RequiredCall or Structure.Schema
                ? throw new NotSupportedException("Scaffolded answers need a DiffusionChat model behind the inner client (GetService<ChatModelParts>() returned null).")
                : null;
        }

        return model.Generator is MaskedTokenGenerator or AutoregressiveTokenGenerator or SimplexTokenGenerator ? model : null;
    }

    /// <summary>
    /// The free answer of the inner client when it parses as JSON, else the scaffolded fallback object (the free
    /// answer's passes are counted in its usage).
    /// </summary>
    private async Task<ChatResponse> AnyJsonAsync(IEnumerable<ChatMessage> messages, ChatOptions options, ChatModelParts model, int probePasses, CancellationToken cancellationToken)
    {
        var free = options.Clone();
        free.ResponseFormat = ChatResponseFormat.Text; // the inner client would throw on prose; this middleware repairs it
        var messageList = messages as IList<ChatMessage> ?? [.. messages];
        var response = await base.GetResponseAsync(messageList, free, cancellationToken).ConfigureAwait(false);
        int freePasses = (int)(response.Usage?.AdditionalCounts?.GetValueOrDefault(DiffusionChatClient.ForwardPassesCountName) ?? 0);
        if (IsJson(response.Text))
        {
            AddForwardPasses(response.Usage, probePasses);
            return response;
        }

        using var schema = JsonDocument.Parse(AnyJsonFallbackSchema);
        var canvas = JsonSchemaScaffold.Build(schema.RootElement, limits);
        return (await ScaffoldAsync(messageList, options, model, canvas, toolCall: false, probe: false, probePasses + freePasses, cancellationToken).ConfigureAwait(false)).Response!;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The scaffolded answer, or null with the probe's passes when the model declined to call a tool.</summary>
    private Task<(ChatResponse? Response, int ProbePasses)> TryScaffoldAsync(IEnumerable<ChatMessage> messages, ChatOptions options, ChatModelParts model, Structure structure, int earlierPasses, CancellationToken cancellationToken)
    {
        switch (structure)
        {
            case Structure.RequiredCall or Structure.ChosenCall:
            {
                var tools = ChatTurnMapper.MapTools(options.Tools);
                var canvas = ToolCallScaffold.Build(tools, (options.ToolMode as RequiredChatToolMode)?.RequiredFunctionName, limits);
                return ScaffoldAsync(messages, options, model, canvas, toolCall: true, probe: structure == Structure.ChosenCall, earlierPasses, cancellationToken);
            }

            case Structure.Schema:
                return ScaffoldAsync(messages, options, model, JsonSchemaScaffold.Build(((ChatResponseFormatJson)options.ResponseFormat!).Schema!.Value, limits), toolCall: false, probe: false, earlierPasses, cancellationToken);

            default:
                return Task.FromResult<(ChatResponse?, int)>((null, 0));
        }
    }

    private async Task<(ChatResponse? Response, int ProbePasses)> ScaffoldAsync(
        IEnumerable<ChatMessage> messages, ChatOptions options, ChatModelParts model, CanvasNode canvas, bool toolCall, bool probe, int earlierPasses, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var turns = ChatTurnMapper.Map(messages, options.Instructions);
        var tools = options.ToolMode is NoneChatToolMode ? [] : ChatTurnMapper.MapTools(options.Tools); // as the inner client renders them
        var prompt = model.Tokenizer.Encode(model.Format.Render(turns, tools));
        model.Generator.Validate(new GenerationRequest(prompt, 1, TokenSampling.Greedy, model.Generator.DefaultDiffusion));
        if (prompt.Count >= model.Generator.MaxSequenceLength)
        {
            throw new ArgumentException($"The prompt is {prompt.Count} tokens and model '{model.ModelId}''s context of {model.Generator.MaxSequenceLength} tokens leaves no room for the answer. Shorten the conversation.", nameof(messages));
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        (string? Text, ScaffoldCosts Costs) written;
        try
        {
            written = await Task.Run(() => Write(model, prompt, canvas, probe, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        if (written.Text is null)
        {
            return (null, written.Costs.ForwardPasses);
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
        return (new ChatResponse(new ChatMessage(ChatRole.Assistant, contents) { MessageId = "msg_" + Guid.NewGuid().ToString("N") })
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
                AdditionalCounts = new() { [DiffusionChatClient.ForwardPassesCountName] = earlierPasses + written.Costs.ForwardPasses },
            },
        }, 0);
    }

    /// <summary>Writes the canvas; with <paramref name="probe"/>, only when the model's most likely first token opens it (else a null text).</summary>
    private (string? Text, ScaffoldCosts Costs) Write(ChatModelParts model, IReadOnlyList<int> prompt, CanvasNode canvas, bool probe, CancellationToken cancellationToken)
    {
        int opening = model.Tokenizer.Encode(ChatMarkers.ToolCallStart)[0];
        switch (model.Generator)
        {
            case MaskedTokenGenerator generator:
            {
                vocabulary ??= new SlotVocabulary(model.Tokenizer, generator.Denoiser.VocabSize, [generator.Denoiser.MaskTokenId]);
                var growth = masked ?? MaskedScaffoldOptions.ForModelDefaultBlockLength(generator.DefaultDiffusion.BlockLength);
                using var filler = new MaskedScaffoldFiller(generator.Denoiser, model.Tokenizer, prompt, vocabulary, growth);
                return probe && filler.MostLikelyFirstToken(cancellationToken) != opening
                    ? (null, filler.Costs)
                    : (ScaffoldWriter.Write(canvas, filler, cancellationToken: cancellationToken), filler.Costs);
            }

            case AutoregressiveTokenGenerator generator:
            {
                vocabulary ??= new SlotVocabulary(model.Tokenizer, generator.Model.Config.VocabSize);
                using var filler = new AutoregressiveScaffoldFiller(generator.Model, model.Tokenizer, prompt, vocabulary);
                return probe && filler.MostLikelyFirstToken(cancellationToken) != opening
                    ? (null, filler.Costs)
                    : (ScaffoldWriter.Write(canvas, filler, cancellationToken: cancellationToken), filler.Costs);
            }

            case SimplexTokenGenerator generator:
            {
                vocabulary ??= new SlotVocabulary(model.Tokenizer, generator.Denoiser.VocabSize);
                using var filler = SimplexScaffoldFiller.For(generator, model.Tokenizer, prompt, vocabulary);
                return probe && filler.MostLikelyFirstToken(cancellationToken) != opening
                    ? (null, filler.Costs)
                    : (ScaffoldWriter.Write(canvas, filler, cancellationToken: cancellationToken), filler.Costs);
            }

            default:
                throw new NotSupportedException($"Scaffolded answers are implemented for masked, autoregressive and simplex models; model '{model.ModelId}' is {model.Generator.Family}.");
        }
    }
}
