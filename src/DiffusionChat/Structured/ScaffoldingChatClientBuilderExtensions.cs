using Microsoft.Extensions.AI;

namespace DiffusionChat.Structured;

/// <summary>Adds <see cref="ScaffoldingChatClient"/> to a chat client pipeline.</summary>
public static class ScaffoldingChatClientBuilderExtensions
{
    /// <summary>
    /// Writes required tool calls and JSON-schema answers by scaffolding (structure laid out, values filled by the
    /// model); see <see cref="ScaffoldingChatClient"/>.
    /// </summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="limits">Bounds for what schemas leave open; defaults when null.</param>
    /// <param name="masked">How masked models grow values; when null, <see cref="MaskedScaffoldOptions.ForModelDefaultBlockLength"/> of the model.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseScaffolding(this ChatClientBuilder builder, ScaffoldLimits? limits = null, MaskedScaffoldOptions? masked = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new ScaffoldingChatClient(inner, limits, masked));
    }
}
