using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>Adds <see cref="JsonResponseChatClient"/> to a chat client pipeline.</summary>
public static class JsonResponseChatClientBuilderExtensions
{
    /// <summary>
    /// Makes requests with <see cref="ChatResponseFormat.Json"/> fail with <see cref="InvalidOperationException"/> when
    /// the answer is not JSON, holding streamed text back until it has been checked.
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    /// <remarks><c>AddDiffusionChatClient</c> already puts this next to the model; call it for a client built by hand.</remarks>
    public static ChatClientBuilder UseJsonResponseFormat(this ChatClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new JsonResponseChatClient(inner));
    }
}
