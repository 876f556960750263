using System.Net.Http.Headers;
using DiffusionChat.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DiffusionChat.Server.Tests;

/// <summary>
/// The real server (<see cref="DiffusionChatServerApp.Build"/>) on Kestrel at 127.0.0.1 on a free port, so tests talk
/// HTTP over the loopback exactly as a remote caller would.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";

    private readonly WebApplication app;

    private LoopbackServer(WebApplication app, Uri baseAddress)
    {
        this.app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>The OpenAI API base (<c>.../v1</c>).</summary>
    public Uri V1 => new(BaseAddress, "/v1");

    /// <summary>A client that sends the API key.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>Starts a server with the API key set and the given extra settings; waits for /health unless told not to.</summary>
    public static async Task<LoopbackServer> StartAsync(IChatModelLoader? loader = null, IReadOnlyDictionary<string, string>? settings = null, bool waitUntilReady = true)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--DiffusionChat:ModelPath={ShippedModel.Folder}",
            "--DiffusionChat:Device=cpu",
            $"--DiffusionChatServer:ApiKey={ApiKey}",
        };
        args.AddRange((settings ?? new Dictionary<string, string>()).Select(s => $"--{s.Key}={s.Value}"));
        var app = DiffusionChatServerApp.Build([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            if (loader is not null)
            {
                builder.Services.AddSingleton(loader);
            }
        });
        await app.StartAsync();
        var server = new LoopbackServer(app, new Uri(app.Urls.Single()));
        if (waitUntilReady)
        {
            await server.WaitUntilReadyAsync();
        }

        return server;
    }

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Http.GetAsync("/health")).StatusCode != System.Net.HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "The server did not turn ready within 60 s.");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
