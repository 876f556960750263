using System.Text.Json;
using DiffusionChat.Server.Protocol;

namespace DiffusionChat.Server.Errors;

/// <summary>
/// Turns what the chat client throws into the error a caller sees. The client's exceptions already name the bad value
/// and what is allowed, so their messages go out as they are, less .NET's argument decoration.
/// </summary>
internal static class ErrorMapping
{
    /// <summary>Maps an exception; <paramref name="request"/>, when the body was read, lets the error name the wire field.</summary>
    public static OpenAIError FromException(Exception exception, ChatCompletionRequest? request = null) => exception switch
    {
        OpenAIErrorException e => e.Error,
        // Bad values the wire checks cannot see (context length, empty turns, ...).
        ArgumentException e => OpenAIError.BadRequest(MessageOf(e), ParamOf(e, request)),
        // A cache the model lacks, a role or content the model cannot read.
        NotSupportedException => OpenAIError.BadRequest(exception.Message),
        JsonException => OpenAIError.BadRequest(exception.Message, code: "invalid_json"),
        // ResponseFormat asked for JSON and the model wrote something else: the model failed, not the caller.
        InvalidOperationException => OpenAIError.Internal(exception.Message, "invalid_model_output"),
        _ => OpenAIError.Internal("The server had an error while processing your request."),
    };

    /// <summary>
    /// The client's sentence without what .NET appends to it (" (Parameter 'chatOptions')", "Actual value was 1024."):
    /// C# parameter names mean nothing to an HTTP caller, and the value is already in the sentence.
    /// </summary>
    internal static string MessageOf(ArgumentException exception)
    {
        string message = exception.Message;
        if (exception is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            message = TrimEnd(message, Environment.NewLine + $"Actual value was {actual}.");
        }

        return exception.ParamName is { } name ? TrimEnd(message, $" (Parameter '{name}')") : message;
    }

    /// <summary>
    /// The wire field behind the client's argument: <c>messages</c> for the conversation (e.g. a prompt longer than the
    /// context), and the answer-length field the caller sent when the client refuses that length (prompt plus answer
    /// beyond the context). Null when the fault is not one field.
    /// </summary>
    private static string? ParamOf(ArgumentException exception, ChatCompletionRequest? request) => exception switch
    {
        { ParamName: "messages" } => "messages",
        ArgumentOutOfRangeException { ParamName: "chatOptions", ActualValue: int length } when request?.Options.MaxOutputTokens == length => request.MaxTokensField,
        _ => null,
    };

    private static string TrimEnd(string text, string suffix) => text.EndsWith(suffix, StringComparison.Ordinal) ? text[..^suffix.Length] : text;
}
