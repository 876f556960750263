using System.Text.Json;
using DiffusionChat.Server.Protocol;

namespace DiffusionChat.Server.Errors;

/// <summary>
/// An error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with the HTTP status it goes out
/// with. The factories name the statuses this server uses.
/// </summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Message">What went wrong and what is allowed.</param>
/// <param name="Type">OpenAI's error type (<c>invalid_request_error</c>, <c>server_error</c>, ...).</param>
/// <param name="Param">The request field at fault, as a path such as <c>messages[1].content</c>; null when none.</param>
/// <param name="Code">A machine-readable code; null when none.</param>
internal sealed record OpenAIError(int Status, string Message, string Type, string? Param = null, string? Code = null)
{
    public const string InvalidRequest = "invalid_request_error";

    public static OpenAIError BadRequest(string message, string? param = null, string? code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, message, InvalidRequest, param, code);

    public static OpenAIError Missing(string param) =>
        BadRequest($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    public static OpenAIError WrongType(string param, string expected, JsonElement actual) =>
        BadRequest($"Invalid type for '{param}': expected {expected}, but got {Describe(actual)}.", param, "invalid_type");

    public static OpenAIError ModelNotFound(string requested, string served) =>
        new(StatusCodes.Status404NotFound, $"The model '{requested}' does not exist. This server serves '{served}'.", InvalidRequest, "model", "model_not_found");

    public static OpenAIError Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, message, InvalidRequest, null, "invalid_api_key");

    public static OpenAIError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body exceeds this server's limit of {limit} bytes.", InvalidRequest, null, "request_too_large");

    public static OpenAIError QueueFull(int limit) =>
        new(StatusCodes.Status429TooManyRequests, $"The server is at its limit of {limit} concurrent requests. Retry after the time in the Retry-After header.", "requests", null, "rate_limit_exceeded");

    public static OpenAIError NotReady(string state) =>
        new(StatusCodes.Status503ServiceUnavailable, $"The model is not ready ({state}). Retry after the time in the Retry-After header.", "server_error", null, "model_not_ready");

    public static OpenAIError Internal(string message, string? code = null) =>
        new(StatusCodes.Status500InternalServerError, message, "server_error", null, code);

    /// <summary>Writes <c>{"error":{...}}</c>.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", Message);
        writer.WriteString("type", Type);
        writer.WriteString("param", Param);
        writer.WriteString("code", Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Sets the status and writes the body (a JSON response), unless the response has started.</summary>
    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body, WireJson.WriterOptions);
        WriteTo(writer);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"a string ({Truncate(value.GetRawText())})",
        JsonValueKind.Number => $"a number ({Truncate(value.GetRawText())})",
        JsonValueKind.True or JsonValueKind.False => $"a boolean ({value.GetRawText()})",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
