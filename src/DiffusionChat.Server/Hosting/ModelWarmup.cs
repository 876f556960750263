using Microsoft.Extensions.AI;

namespace DiffusionChat.Server.Hosting;

/// <summary>
/// Loads the model in the background as soon as the host starts (the library loads it on first use), so the server
/// listens at once and <c>/health</c> turns ready only when a request can be answered without waiting for the load.
/// </summary>
internal sealed class ModelWarmup(IServiceProvider services, ModelReadiness readiness, ILogger<ModelWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Resolving the singleton is what loads the checkpoint; it is synchronous, so keep it off the host's thread.
            var client = await Task.Run(services.GetRequiredService<IChatClient>, stoppingToken).ConfigureAwait(false);
            var modelId = client.GetService<ChatClientMetadata>()?.DefaultModelId
                ?? throw new InvalidOperationException("The registered chat client reports no model id (ChatClientMetadata.DefaultModelId).");
            readiness.SetReady(modelId);
            logger.LogInformation("Model {ModelId} loaded; serving.", modelId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutting down during the load.
        }
#pragma warning disable CA1031 // Any load failure is reported through /health instead of crashing the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            readiness.SetFailed(ex.Message);
            logger.LogError(ex, "Loading the model failed; /health reports it and chat requests answer 503.");
        }
    }
}
