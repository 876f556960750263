using DiffusionChat.Hosting;

namespace DiffusionChat.Remote;

/// <summary>
/// Where an OpenAI-compatible diffusion server is and how to call it; bindable from configuration, e.g.
/// <code>"DiffusionChat": { "Endpoint": "http://host:5080/v1", "ApiKey": "...", "Diffusion": { "Steps": 8 } }</code>
/// </summary>
public sealed class RemoteDiffusionChatOptions
{
    /// <summary>The server's API base, ending in <c>/v1</c> (e.g. <c>http://host:5080/v1</c>). Required.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; leave unset for a server without a key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model to ask for; when unset, the one model the server lists at <c>GET /v1/models</c>.</summary>
    public string? ModelId { get; set; }

    /// <summary>How long one request may take, streaming included. Default 10 minutes.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Diffusion defaults sent with every request that leaves a knob unset.</summary>
    public DiffusionKnobSettings Diffusion { get; set; } = new();
}
