using System.Net;
using System.Text;
using DiffusionChat.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Server.Tests;

/// <summary>Disconnects, a full server and a server still loading, each on its own server over loopback HTTP.</summary>
public sealed class ServerLoadTests
{
    // One token per forward pass (block 1, 1 step): the answer takes as many passes as it has tokens.
    private static StringContent Ask(bool stream, int maxTokens = 32) => new(
        $$"""{"model":"dc-masked","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":{{maxTokens}},"steps":1,"block_length":1,"stream":{{(stream ? "true" : "false")}}}""",
        Encoding.UTF8, "application/json");

    [Fact]
    public async Task Client_that_disconnects_mid_stream_stops_the_forward_passes_of_its_generation()
    {
        var loader = new ObservedModelLoader { PassDelay = TimeSpan.FromMilliseconds(100) };
        await using var server = await LoopbackServer.StartAsync(loader);
        using var full = await server.Http.PostAsync("/v1/chat/completions", Ask(stream: false));
        int fullPasses = loader.ForwardPasses;
        Assert.True(fullPasses >= 8, $"the uncancelled answer took only {fullPasses} passes; too short to cancel in the middle");

        using var cancel = new CancellationTokenSource();
        // No draining of the unread answer on dispose: the connection closes at once, as when a caller's process ends.
        using var caller = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = server.BaseAddress };
        caller.DefaultRequestHeaders.Authorization = server.Http.DefaultRequestHeaders.Authorization;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Ask(stream: true) })
        using (var response = await caller.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token))
        {
            // Headers come with the first committed token; then the caller goes away.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await cancel.CancelAsync();
        }

        int atDisconnect = loader.ForwardPasses - fullPasses;
        // Wait until no pass has run for half a second (bounded): the generation has stopped.
        int settled = atDisconnect;
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline;)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            int now = loader.ForwardPasses - fullPasses;
            if (now == settled)
            {
                break;
            }

            settled = now;
        }

        Assert.True(settled < fullPasses, $"the cancelled generation ran {settled} passes (disconnected after {atDisconnect}); the full answer takes {fullPasses}");
    }

    [Fact]
    public async Task Request_past_the_concurrency_limit_gets_429_with_retry_after_while_the_admitted_ones_finish()
    {
        using var gate = new ManualResetEventSlim(false);
        var loader = new ObservedModelLoader { PassGate = gate };
        var settings = new Dictionary<string, string> { ["DiffusionChatServer:MaxConcurrentRequests"] = "2", ["DiffusionChatServer:RetryAfterSeconds"] = "3" };
        await using var server = await LoopbackServer.StartAsync(loader, settings);
        var admission = server.Services.GetRequiredService<RequestAdmission>();

        var admitted = new[] { server.Http.PostAsync("/v1/chat/completions", Ask(stream: false, 8)), server.Http.PostAsync("/v1/chat/completions", Ask(stream: true, 8)) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (admission.Active < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the two requests were not admitted");
            await Task.Delay(20);
        }

        using var refused = await server.Http.PostAsync("/v1/chat/completions", Ask(stream: false, 8));
        gate.Set();
        var answers = await Task.WhenAll(admitted);
        using var after = await server.Http.PostAsync("/v1/chat/completions", Ask(stream: false, 8));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("rate_limit_exceeded", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Contains("data: [DONE]", await answers[1].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(0, admission.Active);
    }

    [Fact]
    public async Task Health_is_503_until_the_model_is_loaded_and_requests_meanwhile_get_503_not_a_hang()
    {
        using var gate = new ManualResetEventSlim(false);
        await using var server = await LoopbackServer.StartAsync(new ObservedModelLoader { LoadGate = gate }, waitUntilReady: false);

        using var loading = await server.Http.GetAsync("/health");
        using var early = await server.Http.PostAsync("/v1/chat/completions", Ask(stream: false, 8));
        gate.Set();
        await server.WaitUntilReadyAsync();
        using var ready = await server.Http.PostAsync("/v1/chat/completions", Ask(stream: false, 8));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        Assert.Contains("\"loading\"", await loading.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
        Assert.Contains("model_not_ready", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(early.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
