using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>
/// One chat call made ready for the generator: options read and validated, the conversation rendered with the model's
/// chat format and tokenized, and the ids and texts that end the answer.
/// </summary>
/// <param name="Settings">The validated options, defaults merged.</param>
/// <param name="Tools">The tools offered to the model (none under <see cref="NoneChatToolMode"/>).</param>
/// <param name="Request">
/// The generation request: the rendered prompt's token ids, budget, sampling and diffusion settings, and the
/// special-token ids of the format's end-of-turn markers as stop ids; checked by the model's generator.
/// </param>
/// <param name="StopTexts">The caller's stop sequences and the format's end-of-turn markers.</param>
/// <param name="ForcedPrefix">The opened tool call the prompt ends with (see <see cref="ForcedToolCall"/>), or empty.</param>
internal sealed record PreparedCall(
    ChatRequestSettings Settings,
    IReadOnlyList<ToolDefinition> Tools,
    GenerationRequest Request,
    IReadOnlyList<string> StopTexts,
    string ForcedPrefix)
{
    /// <summary>The rendered prompt's token ids.</summary>
    public IReadOnlyList<int> PromptTokens => Request.PromptTokens;

    /// <summary>Prepares a call; nothing the caller gave is mutated.</summary>
    /// <param name="model">The loaded model's parts.</param>
    /// <param name="clientOptions">The client's defaults.</param>
    /// <param name="client">The client, passed to <c>RawRepresentationFactory</c>.</param>
    /// <param name="messages">The conversation.</param>
    /// <param name="chatOptions">The caller's options (may be null).</param>
    /// <exception cref="ArgumentException">A message, tool or option is invalid, or the prompt does not fit the context.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or prompt plus answer exceed the context.</exception>
    public static PreparedCall Prepare(ChatModelParts model, DiffusionChatClientOptions clientOptions, IChatClient client, IEnumerable<ChatMessage> messages, ChatOptions? chatOptions)
    {
        var turns = ChatTurnMapper.Map(messages, chatOptions?.Instructions);
        var tools = chatOptions?.ToolMode is NoneChatToolMode ? [] : ChatTurnMapper.MapTools(chatOptions?.Tools);
        var forcedPrefix = ForcedToolCall.Prefix(chatOptions, tools);

        // The caller's knobs over the client's; the generator fills what both leave unset from its own defaults (the
        // checkpoint's generation_defaults, then the family's), so it can tell a knob the caller set from its default.
        var settings = ChatOptionsReader.Read(chatOptions, client, model.ModelId, clientOptions.DefaultMaxOutputTokens, clientOptions.Diffusion);
        var prompt = model.Format.Render(turns, tools) + forcedPrefix;
        var promptTokens = model.Tokenizer.Encode(prompt);
        // Prompt ids and options the model family cannot honour are refused here, before the request is queued.
        var request = new GenerationRequest(promptTokens, settings.MaxOutputTokens, settings.Sampling, settings.Diffusion);
        model.Generator.Validate(request);
        int context = model.Generator.MaxSequenceLength;
        if (promptTokens.Count >= context)
        {
            throw new ArgumentException($"The prompt is {promptTokens.Count} tokens but model '{model.ModelId}' accepts at most {context} tokens of prompt plus answer. Shorten the conversation.", nameof(messages));
        }

        // A default budget (the caller set none) that does not fit becomes what the context has left, for models that
        // decode left to right (a shorter budget only cuts their answer); a bidirectional model's answer depends on its
        // window, and an explicit budget is the caller's, so those are refused below instead.
        if (chatOptions?.MaxOutputTokens is null && model.Generator.DecodesLeftToRight && (long)promptTokens.Count + settings.MaxOutputTokens > context)
        {
            settings = settings with { MaxOutputTokens = context - promptTokens.Count };
            request = request with { MaxNewTokens = settings.MaxOutputTokens };
        }

        // In long: MaxOutputTokens near int.MaxValue must not wrap around and slip past the check.
        if ((long)promptTokens.Count + settings.MaxOutputTokens > context)
        {
            string budget = chatOptions?.MaxOutputTokens is null
                ? $"The client's default answer budget of {settings.MaxOutputTokens} tokens (ChatOptions.MaxOutputTokens unset; a bidirectional model decodes its whole answer window at once, so it is not shortened)"
                : $"ChatOptions.MaxOutputTokens {settings.MaxOutputTokens}";
            throw new ArgumentOutOfRangeException(nameof(chatOptions), settings.MaxOutputTokens,
                $"{budget} plus the {promptTokens.Count}-token prompt exceeds model '{model.ModelId}''s context of {context} tokens; at most {context - promptTokens.Count} answer tokens fit.");
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
        return new PreparedCall(settings, tools, request with { StopTokenIds = stopIds }, stopTexts, forcedPrefix);
    }
}
