namespace DiffusionChat.Server.Errors;

/// <summary>Thrown while handling a request to answer it with <see cref="Error"/>.</summary>
internal sealed class OpenAIErrorException(OpenAIError error) : Exception(error.Message)
{
    public OpenAIError Error { get; } = error;

    /// <summary>Seconds for a <c>Retry-After</c> header (429, 503); null for none.</summary>
    public int? RetryAfterSeconds { get; init; }
}
