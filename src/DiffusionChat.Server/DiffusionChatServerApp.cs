using DiffusionChat.Hosting;
using DiffusionChat.Server.Endpoints;
using DiffusionChat.Server.Errors;
using DiffusionChat.Server.Hosting;
using DiffusionChat.Server.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace DiffusionChat.Server;

/// <summary>
/// Builds the server: the library's DI-registered <c>IChatClient</c> (section <c>DiffusionChat</c>) behind
/// OpenAI-compatible endpoints, with the HTTP settings of section <c>DiffusionChatServer</c>.
/// </summary>
/// <remarks>
/// Endpoints: <c>POST /v1/chat/completions</c>, <c>GET /v1/models</c>, <c>GET /v1/models/{id}</c>, <c>GET /health</c>
/// (200 once the model is loaded, 503 before), <c>GET /health/live</c>, <c>GET /metrics</c> (Prometheus). Metrics are
/// also pushed over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. See docs/server.md.
/// </remarks>
public static class DiffusionChatServerApp
{
    /// <summary>The model folder used when <c>DiffusionChat:ModelPath</c> is not configured.</summary>
    public const string DefaultModelPath = "models/dc-masked";

    /// <summary>Creates the application from command-line arguments, ready to run.</summary>
    /// <param name="args">Command-line arguments (<c>--urls</c>, <c>--DiffusionChat:ModelPath=...</c>, ...).</param>
    /// <param name="configure">Adjusts the builder before it is built (tests replace the model loader here).</param>
    /// <returns>The application with every endpoint mapped.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A <c>DiffusionChatServer</c> setting is out of range.</exception>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var serverOptions = builder.Configuration.GetSection(DiffusionChatServerOptions.SectionName).Get<DiffusionChatServerOptions>() ?? new();
        serverOptions.Validate();

        builder.Services.AddDiffusionChatClient(builder.Configuration.GetSection(DiffusionChatHostingOptions.SectionName));
        builder.Services.PostConfigure<DiffusionChatHostingOptions>(o =>
        {
            o.ModelPath = ModelPathResolver.Resolve(string.IsNullOrWhiteSpace(o.ModelPath) ? DefaultModelPath : o.ModelPath);
        });

        builder.Services.AddSingleton(serverOptions);
        builder.Services.AddSingleton<ModelReadiness>();
        builder.Services.AddSingleton(new RequestAdmission(serverOptions.MaxConcurrentRequests));
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddHostedService<ModelWarmup>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = serverOptions.MaxRequestBodyBytes);

        bool otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("diffusionchat-server")).WithMetrics(metrics =>
        {
            metrics.AddMeter(ServerMetrics.MeterName).AddPrometheusExporter();
            if (otlp)
            {
                metrics.AddOtlpExporter();
            }
        });

        configure?.Invoke(builder);
        var app = builder.Build();
        app.Use(OpenAIErrorMiddleware.InvokeAsync);
        app.Use(ApiKeyCheck.Create(serverOptions.ApiKey));
        app.MapPost("/v1/chat/completions", (HttpContext context, ChatCompletionsEndpoint endpoint) => endpoint.HandleAsync(context));
        app.MapGet("/v1/models", StatusEndpoints.ModelsAsync);
        app.MapGet("/v1/models/{id}", StatusEndpoints.ModelAsync);
        app.MapGet("/health", StatusEndpoints.HealthAsync);
        app.MapGet("/health/live", StatusEndpoints.LiveAsync);
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
