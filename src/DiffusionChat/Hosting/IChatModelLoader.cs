namespace DiffusionChat.Hosting;

/// <summary>Loads a <see cref="ChatModel"/> from hosting options (checkpoint folder, device, dtype).</summary>
public interface IChatModelLoader
{
    /// <summary>Loads the model described by <paramref name="options"/>.</summary>
    /// <param name="options">Validated hosting options.</param>
    /// <param name="cancellationToken">Cancels a long load between tensors.</param>
    /// <returns>The loaded model, owned by the caller.</returns>
    ChatModel Load(DiffusionChatHostingOptions options, CancellationToken cancellationToken = default);
}
