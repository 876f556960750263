namespace DiffusionChat.Server.Hosting;

/// <summary>Whether the model has been loaded: <c>/health</c> and the chat endpoint read it, <see cref="ModelWarmup"/> sets it.</summary>
internal sealed class ModelReadiness
{
    private volatile State state = new("loading", null, null);

    /// <summary>The served model's id once loaded; null before.</summary>
    public string? ModelId => state.ModelId;

    /// <summary><c>loading</c>, <c>ready</c> or <c>failed</c>.</summary>
    public string Status => state.Status;

    /// <summary>Why loading failed; null otherwise.</summary>
    public string? Error => state.Error;

    public bool IsReady => state.ModelId is not null;

    public void SetReady(string modelId) => state = new("ready", modelId, null);

    public void SetFailed(string error) => state = new("failed", null, error);

    private sealed record State(string Status, string? ModelId, string? Error);
}
