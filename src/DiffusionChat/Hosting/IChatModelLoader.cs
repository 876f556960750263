namespace DiffusionChat.Hosting;

/// <summary>Loads a checkpoint as the <see cref="ChatModelParts"/> a chat client runs on, from hosting options (checkpoint folder, device, dtype).</summary>
public interface IChatModelLoader
{
    /// <summary>Loads the model described by <paramref name="options"/>.</summary>
    /// <param name="options">Validated hosting options.</param>
    /// <param name="cancellationToken">Cancels a long load between tensors.</param>
    /// <returns>The loaded parts (generator with the weights, tokenizer, chat format), owned by the caller.</returns>
    ChatModelParts Load(DiffusionChatHostingOptions options, CancellationToken cancellationToken = default);
}
