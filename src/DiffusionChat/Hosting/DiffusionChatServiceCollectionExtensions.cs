using DiffusionChat.Chat;
using DiffusionChat.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a <see cref="DiffusionChat.DiffusionChatClient"/> as the app's <see cref="IChatClient"/>.</summary>
public static class DiffusionChatServiceCollectionExtensions
{
    // The unnamed options instance (Microsoft.Extensions.Options.Options.DefaultName).
    private const string DefaultName = "";

    /// <summary>
    /// Registers a diffusion chat client as the <see cref="IChatClient"/> singleton. The model is loaded once, on first
    /// use, and disposed with the container. Options are validated when the host starts.
    /// </summary>
    /// <remarks>
    /// Unless <see cref="DiffusionChatHostingOptions.Scaffolding"/> is false, the client is wrapped in
    /// <see cref="DiffusionChat.Structured.ScaffoldingChatClient"/> (tool calls and JSON answers written by
    /// scaffolding); <c>GetService&lt;DiffusionChatClient&gt;()</c> still reaches the client underneath.
    /// </remarks>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options (at least <see cref="DiffusionChatHostingOptions.ModelPath"/>).</param>
    /// <returns>A builder to add middleware such as <c>UseFunctionInvocation()</c> or <c>UseLogging()</c>.</returns>
    public static ChatClientBuilder AddDiffusionChatClient(this IServiceCollection services, Action<DiffusionChatHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(services, DefaultName).Configure(configure);
        return services.AddChatClient(sp => Create(sp, DefaultName));
    }

    /// <summary>Registers a diffusion chat client with options bound from a configuration section (e.g. <c>DiffusionChat</c>).</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding <see cref="DiffusionChatHostingOptions"/>.</param>
    /// <returns>A builder to add middleware.</returns>
    public static ChatClientBuilder AddDiffusionChatClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddOptions(services, DefaultName).Bind(configuration);
        return services.AddChatClient(sp => Create(sp, DefaultName));
    }

    /// <summary>
    /// Registers a diffusion chat client as a keyed <see cref="IChatClient"/>, e.g. to run it beside another client
    /// (an autoregressive baseline) in one host.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (also the options name).</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder to add middleware.</returns>
    public static ChatClientBuilder AddKeyedDiffusionChatClient(this IServiceCollection services, string serviceKey, Action<DiffusionChatHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);
        AddOptions(services, serviceKey).Configure(configure);
        return services.AddKeyedChatClient(serviceKey, sp => Create(sp, serviceKey));
    }

    /// <summary>Registers a keyed diffusion chat client with options bound from a configuration section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="serviceKey">The key (also the options name).</param>
    /// <param name="configuration">The section holding <see cref="DiffusionChatHostingOptions"/>.</param>
    /// <returns>A builder to add middleware.</returns>
    public static ChatClientBuilder AddKeyedDiffusionChatClient(this IServiceCollection services, string serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        AddOptions(services, serviceKey).Bind(configuration);
        return services.AddKeyedChatClient(serviceKey, sp => Create(sp, serviceKey));
    }

    private static OptionsBuilder<DiffusionChatHostingOptions> AddOptions(IServiceCollection services, string name)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiffusionChatHostingOptions>, DiffusionChatHostingOptionsValidator>());
        services.TryAddSingleton<IChatModelLoader, CheckpointChatModelLoader>();
        return services.AddOptions<DiffusionChatHostingOptions>(name).ValidateOnStart();
    }

    /// <summary>
    /// The model's client, under the scaffolding middleware unless turned off, with JSON response enforcement outermost
    /// (it holds JSON answers back until checked; scaffolded ones always pass).
    /// </summary>
    private static IChatClient Create(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<DiffusionChatHostingOptions>>().Get(name);
        var loggerFactory = services.GetService<ILoggerFactory>();
        var logger = loggerFactory?.CreateLogger<DiffusionChat.DiffusionChatClient>();
        logger?.LogInformation("Loading diffusion chat model from {ModelPath} on {Device} ({DType}).", options.ModelPath, options.Device, options.DType);
        var model = services.GetRequiredService<IChatModelLoader>().Load(options);
        var client = new DiffusionChat.DiffusionChatClient(model, options.ToClientOptions(), logger);
        return new JsonResponseChatClient(options.Scaffolding ? new DiffusionChat.Structured.ScaffoldingChatClient(client) : client);
    }
}
