using DiffusionChat.Remote;
using DiffusionChat.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// DiffusionChat.Server (<see cref="DiffusionChatServerApp.Build"/>, the app <c>dotnet run --project src/DiffusionChat.Server</c>
/// starts) on Kestrel at 127.0.0.1 on a free port, inside this process, with its own model.
/// </summary>
/// <remarks>
/// Both paths of the HTTP comparison reach the same model instance: <see cref="InProcess"/> is the server's DI-registered
/// <see cref="IChatClient"/> (the one its endpoint calls) and <see cref="CreateRemoteClient"/> goes through
/// <c>/v1/chat/completions</c>. So the difference between them is the HTTP layer: JSON request, Kestrel, server-sent
/// events, the OpenAI SDK's parsing on the caller's side.
/// </remarks>
internal sealed class LoopbackServerHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private LoopbackServerHost(WebApplication app, Uri baseAddress, string modelId)
    {
        this.app = app;
        BaseAddress = baseAddress;
        ModelId = modelId;
    }

    public Uri BaseAddress { get; }

    public string ModelId { get; }

    /// <summary>The client the server's endpoint calls, used directly.</summary>
    public IChatClient InProcess => app.Services.GetRequiredService<IChatClient>();

    /// <summary>Starts the server on <paramref name="modelFolder"/> and waits until <c>/health</c> reports the model loaded.</summary>
    /// <exception cref="TimeoutException">The model did not load within two minutes.</exception>
    public static async Task<LoopbackServerHost> StartAsync(string modelFolder, CancellationToken cancellationToken)
    {
        var app = DiffusionChatServerApp.Build(
            ["--urls=http://127.0.0.1:0", $"--DiffusionChat:ModelPath={Path.GetFullPath(modelFolder)}", "--DiffusionChat:Device=cpu"],
            builder => builder.Logging.ClearProviders());
        await app.StartAsync(cancellationToken);
        var baseAddress = new Uri(app.Urls.Single());
        using var http = new HttpClient { BaseAddress = baseAddress };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken)).StatusCode != System.Net.HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline)
            {
                await app.DisposeAsync();
                throw new TimeoutException($"The server did not load {modelFolder} within 2 minutes.");
            }

            await Task.Delay(50, cancellationToken);
        }

        var modelId = app.Services.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>()?.DefaultModelId ?? Path.GetFileName(modelFolder);
        return new LoopbackServerHost(app, baseAddress, modelId);
    }

    /// <summary>The remote client (OpenAI SDK through Microsoft.Extensions.AI.OpenAI) pointed at this server.</summary>
    public RemoteDiffusionChatClient CreateRemoteClient() =>
        RemoteDiffusionChatServiceCollectionExtensions.CreateClient(new RemoteDiffusionChatOptions { Endpoint = new Uri(BaseAddress, "/v1"), ModelId = ModelId });

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
