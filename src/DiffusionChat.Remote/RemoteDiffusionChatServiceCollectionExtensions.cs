using System.ClientModel;
using DiffusionChat.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers a <see cref="RemoteDiffusionChatClient"/>: the same <see cref="IChatClient"/> an app gets from
/// <c>AddDiffusionChatClient</c>, answered by an OpenAI-compatible server (DiffusionChat.Server, SGLang, vLLM) instead
/// of a model in this process.
/// </summary>
public static class RemoteDiffusionChatServiceCollectionExtensions
{
    /// <summary>Registers the remote client as the <see cref="IChatClient"/> singleton; options are validated when the host starts.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="RemoteDiffusionChatOptions.Endpoint"/>).</param>
    /// <returns>A builder to add middleware such as <c>UseFunctionInvocation()</c>.</returns>
    public static ChatClientBuilder AddRemoteDiffusionChatClient(this IServiceCollection services, Action<RemoteDiffusionChatOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(services).Configure(configure);
        return services.AddChatClient(Create);
    }

    /// <summary>Registers the remote client with options bound from a configuration section (e.g. <c>DiffusionChat</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding <see cref="RemoteDiffusionChatOptions"/>.</param>
    /// <returns>A builder to add middleware.</returns>
    public static ChatClientBuilder AddRemoteDiffusionChatClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddOptions(services).Bind(configuration);
        return services.AddChatClient(Create);
    }

    /// <summary>
    /// Registers the client the configuration asks for: with <c>Endpoint</c> set, the remote client
    /// (<see cref="AddRemoteDiffusionChatClient(IServiceCollection, IConfiguration)"/>); otherwise the in-process model at
    /// <c>ModelPath</c> (<c>AddDiffusionChatClient</c>). One line in the app, and a deployment moves the model out of the
    /// process by setting <c>DiffusionChat__Endpoint</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section (e.g. <c>DiffusionChat</c>).</param>
    /// <returns>A builder to add middleware.</returns>
    public static ChatClientBuilder AddDiffusionChatClientFromConfiguration(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return string.IsNullOrWhiteSpace(configuration[nameof(RemoteDiffusionChatOptions.Endpoint)])
            ? services.AddDiffusionChatClient(configuration)
            : services.AddRemoteDiffusionChatClient(configuration);
    }

    /// <summary>
    /// Creates the client without DI: an OpenAI client for <paramref name="options"/>'s endpoint, asking the server for
    /// its model when none is named.
    /// </summary>
    /// <param name="options">Endpoint, key, model and diffusion defaults.</param>
    /// <returns>The client; dispose it when done.</returns>
    /// <exception cref="ArgumentException">The options are not valid (the message names the bad value).</exception>
    /// <exception cref="InvalidOperationException">No model is named and the server does not list exactly one.</exception>
    public static RemoteDiffusionChatClient CreateClient(RemoteDiffusionChatOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = new RemoteDiffusionChatOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            throw new ArgumentException(result.FailureMessage, nameof(options));
        }

        // The SDK insists on a credential; a server without a key ignores the header.
        var openAI = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = options.Endpoint, NetworkTimeout = options.Timeout });
        var model = options.ModelId ?? OnlyModel(openAI, options.Endpoint!);
        return new RemoteDiffusionChatClient(openAI.GetChatClient(model).AsIChatClient(), options.Diffusion.ToOptions());
    }

    private static OptionsBuilder<RemoteDiffusionChatOptions> AddOptions(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RemoteDiffusionChatOptions>, RemoteDiffusionChatOptionsValidator>());
        return services.AddOptions<RemoteDiffusionChatOptions>().ValidateOnStart();
    }

    private static IChatClient Create(IServiceProvider services) =>
        CreateClient(services.GetRequiredService<IOptions<RemoteDiffusionChatOptions>>().Value);

    private static string OnlyModel(OpenAIClient openAI, Uri endpoint)
    {
        var models = openAI.GetOpenAIModelClient().GetModels().Value.Select(m => m.Id).ToList();
        return models.Count == 1
            ? models[0]
            : throw new InvalidOperationException(
                $"The server at {endpoint} lists {(models.Count == 0 ? "no models" : "several models (" + string.Join(", ", models) + ")")}; set DiffusionChat:ModelId to the one to use.");
    }
}
