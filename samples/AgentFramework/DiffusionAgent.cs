using DiffusionChat.Samples.Chat;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Samples.AgentFramework;

/// <summary>
/// A Microsoft Agent Framework <see cref="ChatClientAgent"/> whose chat client is a diffusion checkpoint registered with
/// <c>AddDiffusionChatClient</c>, holding the demo <c>get_weather</c> / <c>get_time</c> tools. The agent adds automatic
/// function invocation around the client and keeps each conversation's messages in its <see cref="AgentSession"/>.
/// </summary>
/// <remarks>Owns the service provider (and so the loaded model): dispose it when done.</remarks>
public sealed class DiffusionAgent : IDisposable
{
    /// <summary>The system instructions; one of the system texts the shipped models were trained with.</summary>
    public const string Instructions = "You are a helpful assistant. Use the tools for weather and time.";

    private readonly ServiceProvider services;

    private DiffusionAgent(ServiceProvider services, ChatClientAgent agent)
    {
        this.services = services;
        Agent = agent;
    }

    /// <summary>The agent.</summary>
    public ChatClientAgent Agent { get; }

    /// <summary>Builds the agent on the checkpoint folder <paramref name="modelPath"/> (loaded on first use).</summary>
    /// <param name="modelPath">The diffusion checkpoint folder.</param>
    /// <param name="time">The time tool's clock.</param>
    /// <param name="configureServices">Extra registrations made before the model's (e.g. a custom model loader).</param>
    /// <param name="maxOutputTokens">Answer budget per model call; a tool call must fit in it whole.</param>
    public static DiffusionAgent Create(string modelPath, TimeProvider time, Action<IServiceCollection>? configureServices = null, int maxOutputTokens = 64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOutputTokens, 1);
        var collection = new ServiceCollection();
        configureServices?.Invoke(collection);
        collection.AddDiffusionChatClient(o =>
        {
            o.ModelPath = modelPath;
            o.DefaultMaxOutputTokens = maxOutputTokens;
        });
        var provider = collection.BuildServiceProvider();
        var agent = provider.GetRequiredService<IChatClient>().AsAIAgent(
            instructions: Instructions,
            name: "diffusion-agent",
            tools: DemoTools.Create(time),
            services: provider);
        return new DiffusionAgent(provider, agent);
    }

    /// <summary>Starts a conversation: the session that carries its turns from one run to the next.</summary>
    public ValueTask<AgentSession> StartConversationAsync(CancellationToken cancellationToken) => Agent.CreateSessionAsync(cancellationToken);

    /// <summary>
    /// One turn of <paramref name="session"/>'s conversation, streamed: every update (text as the model commits it,
    /// tool calls, tool results) goes to <paramref name="onUpdate"/> as it arrives; returns the whole response.
    /// </summary>
    public async Task<AgentResponse> AskAsync(AgentSession session, string message, Action<AgentResponseUpdate> onUpdate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        ArgumentNullException.ThrowIfNull(onUpdate);
        var updates = new List<AgentResponseUpdate>();
        await foreach (var update in Agent.RunStreamingAsync(message, session, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            updates.Add(update);
            onUpdate(update);
        }

        return updates.ToAgentResponse();
    }

    /// <inheritdoc />
    public void Dispose() => services.Dispose();
}
