using System.Text.Json;
using DiffusionChat.Server.Protocol;
using DiffusionChat.Server.Errors;
using DiffusionChat.Server.Hosting;

namespace DiffusionChat.Server.Endpoints;

/// <summary><c>GET /v1/models</c>, <c>GET /v1/models/{id}</c>, <c>GET /health</c> (ready once the model is loaded) and <c>GET /health/live</c>.</summary>
internal static class StatusEndpoints
{
    // The process start stands in for the model's creation time, which a checkpoint does not record.
    private static readonly long Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static async Task ModelsAsync(HttpContext context, ModelReadiness readiness)
    {
        var modelId = RequireReady(readiness);
        await WriteJsonAsync(context.Response, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            WriteModel(w, modelId);
            w.WriteEndArray();
            w.WriteEndObject();
        }, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task ModelAsync(HttpContext context, string id, ModelReadiness readiness)
    {
        var modelId = RequireReady(readiness);
        if (!string.Equals(id, modelId, StringComparison.Ordinal))
        {
            throw new OpenAIErrorException(OpenAIError.ModelNotFound(id, modelId));
        }

        await WriteJsonAsync(context.Response, StatusCodes.Status200OK, w => WriteModel(w, modelId), context.RequestAborted).ConfigureAwait(false);
    }

    public static Task HealthAsync(HttpContext context, ModelReadiness readiness) =>
        WriteJsonAsync(context.Response, readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", readiness.Status);
            if (readiness.ModelId is { } model)
            {
                w.WriteString("model", model);
            }

            if (readiness.Error is { } error)
            {
                w.WriteString("error", error);
            }

            w.WriteEndObject();
        }, context.RequestAborted);

    public static Task LiveAsync(HttpContext context) =>
        WriteJsonAsync(context.Response, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "live");
            w.WriteEndObject();
        }, context.RequestAborted);

    private static string RequireReady(ModelReadiness readiness) =>
        readiness.ModelId ?? throw new OpenAIErrorException(OpenAIError.NotReady(readiness.Status));

    private static void WriteModel(Utf8JsonWriter w, string modelId)
    {
        w.WriteStartObject();
        w.WriteString("id", modelId);
        w.WriteString("object", "model");
        w.WriteNumber("created", Created);
        w.WriteString("owned_by", DiffusionChatClient.ProviderName);
        w.WriteEndObject();
    }

    private static async Task WriteJsonAsync(HttpResponse response, int status, Action<Utf8JsonWriter> write, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body, WireJson.WriterOptions);
        write(writer);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
