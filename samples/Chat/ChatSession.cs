using System.Diagnostics;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Samples.Chat;

/// <summary>
/// A multi-turn conversation with one <see cref="IChatClient"/>: keeps the history, streams each answer as blocks
/// commit, and drops a turn that was cancelled so the history never holds half an answer.
/// </summary>
internal sealed class ChatSession
{
    private readonly IChatClient client;
    private readonly ChatArguments settings;
    private readonly List<ChatMessage> history = [];
    private readonly IList<AITool>? tools;

    public ChatSession(IChatClient client, ChatArguments settings, IList<AITool>? tools = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        this.client = client;
        this.settings = settings;
        this.tools = tools;
    }

    /// <summary>The conversation so far (user and assistant turns, in order).</summary>
    public IReadOnlyList<ChatMessage> History => history;

    /// <summary>Sends <paramref name="prompt"/> with the history and streams the answer to <paramref name="onText"/>.</summary>
    /// <returns>The answer and its figures.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; the turn is not added to the history.</exception>
    public async Task<ChatTurnResult> AskAsync(string prompt, Action<string> onText, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        ArgumentNullException.ThrowIfNull(onText);
        var user = new ChatMessage(ChatRole.User, prompt);
        var updates = new List<ChatResponseUpdate>();
        var clock = Stopwatch.StartNew();
        await foreach (var update in client.GetStreamingResponseAsync([.. history, user], Options(), cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            if (update.Text.Length > 0)
            {
                onText(update.Text);
            }
        }

        clock.Stop();
        var response = updates.ToChatResponse();
        history.Add(user);
        history.AddRange(response.Messages);
        long? passes = response.Usage?.AdditionalCounts is { } counts && counts.TryGetValue(DiffusionChatClient.ForwardPassesCountName, out long p) ? p : null;
        return new ChatTurnResult(response.Text, response.Usage?.OutputTokenCount, passes, clock.Elapsed, response.FinishReason);
    }

    /// <summary>The request options: budget, seed and the diffusion knobs given on the command line.</summary>
    public ChatOptions Options()
    {
        var diffusion = new DiffusionGenerationOptions { Steps = settings.Steps, BlockLength = settings.BlockLength };
        return new ChatOptions
        {
            MaxOutputTokens = settings.MaxTokens,
            Seed = settings.Seed,
            RawRepresentationFactory = _ => diffusion,
            Tools = tools,
        };
    }
}

/// <summary>One answered turn.</summary>
/// <param name="Text">The answer text.</param>
/// <param name="OutputTokens">Answer tokens, when reported.</param>
/// <param name="ForwardPasses">Model forward passes, when reported.</param>
/// <param name="Elapsed">Wall-clock time of the call.</param>
/// <param name="FinishReason">Why the answer ended.</param>
internal sealed record ChatTurnResult(string Text, long? OutputTokens, long? ForwardPasses, TimeSpan Elapsed, ChatFinishReason? FinishReason)
{
    /// <summary>A one-line summary: tokens, forward passes, time.</summary>
    public string Figures => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"[{OutputTokens?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} tokens, {ForwardPasses?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} forward passes, {Elapsed.TotalMilliseconds:F0} ms, finish: {FinishReason?.Value ?? "?"}]");
}
