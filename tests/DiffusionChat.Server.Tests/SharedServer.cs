namespace DiffusionChat.Server.Tests;

/// <summary>One server over the shipped model for the tests that only send requests (xunit class fixture).</summary>
public sealed class SharedServer : IAsyncLifetime
{
    internal LoopbackServer Server { get; private set; } = null!;

    /// <summary>Small caps, so the "too large" and "too many tokens" cases are cheap to send.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["DiffusionChatServer:MaxRequestBodyBytes"] = "16384",
        ["DiffusionChatServer:MaxTokensLimit"] = "128",
    };

    public async Task InitializeAsync() => Server = await LoopbackServer.StartAsync(settings: Settings);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
