using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DiffusionChat.Samples.Compare;

/// <summary>
/// The comparison host: every entry under <c>Clients</c> in configuration becomes a keyed diffusion chat client
/// (<c>AddKeyedDiffusionChatClient(key, section)</c>); the checkpoint loader picks masked, simplex or autoregressive
/// from each folder, so <c>diffusion</c> and <c>baseline</c> are just two keys.
/// </summary>
internal static class CompareHost
{
    /// <summary>The configuration section listing the clients by key.</summary>
    public const string ClientsSection = "Clients";

    /// <summary>Builds the host from <c>appsettings.json</c> next to the binary, the environment and <paramref name="args"/>.</summary>
    /// <param name="args">Command-line overrides, e.g. <c>--Clients:diffusion:ModelPath=/tmp/tiny</c>.</param>
    /// <param name="configure">Extra configuration sources (added last, so they win).</param>
    public static IHost Build(string[] args, Action<IConfigurationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder.Configuration);
        foreach (var client in builder.Configuration.GetSection(ClientsSection).GetChildren())
        {
            builder.Services.AddKeyedDiffusionChatClient(client.Key, client);
        }

        builder.Services.AddOptions<CompareSettings>().Bind(builder.Configuration.GetSection(CompareSettings.SectionName));
        return builder.Build();
    }

    /// <summary>The clients in configuration order, resolved by key.</summary>
    public static IReadOnlyList<KeyValuePair<string, IChatClient>> Clients(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        return [.. configuration.GetSection(ClientsSection).GetChildren()
            .Select(c => KeyValuePair.Create(c.Key, host.Services.GetRequiredKeyedService<IChatClient>(c.Key)))];
    }
}
