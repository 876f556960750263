using System.Text.Json;

namespace DiffusionChat.Server.Errors;

/// <summary>
/// Turns what the chat client throws into the error a caller sees. The client's exceptions already name the bad value
/// and what is allowed, so their messages go out as they are.
/// </summary>
internal static class ErrorMapping
{
    public static OpenAIError FromException(Exception exception) => exception switch
    {
        OpenAIErrorException e => e.Error,
        // Bad values the wire checks cannot see (context length, empty turns, a cache the model lacks, ...).
        ArgumentException or NotSupportedException => OpenAIError.BadRequest(exception.Message),
        JsonException => OpenAIError.BadRequest(exception.Message, code: "invalid_json"),
        // ResponseFormat asked for JSON and the model wrote something else: the model failed, not the caller.
        InvalidOperationException => OpenAIError.Internal(exception.Message, "invalid_model_output"),
        _ => OpenAIError.Internal("The server had an error while processing your request."),
    };
}
