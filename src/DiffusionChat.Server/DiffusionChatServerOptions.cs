namespace DiffusionChat.Server;

/// <summary>
/// Settings of the HTTP front (configuration section <c>DiffusionChatServer</c>); the model itself is configured by the
/// library's <c>DiffusionChat</c> section.
/// </summary>
public sealed class DiffusionChatServerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "DiffusionChatServer";

    /// <summary>
    /// When set, every <c>/v1</c> request must carry <c>Authorization: Bearer &lt;key&gt;</c> (401 otherwise).
    /// <c>/health</c> and <c>/metrics</c> stay open for load balancers and scrapers.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest request body accepted (413 beyond). Default 1 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>Largest <c>max_tokens</c> / <c>max_completion_tokens</c> accepted (400 beyond). Default 1024.</summary>
    public int MaxTokensLimit { get; set; } = 1024;

    /// <summary>
    /// Requests admitted at once (generating or waiting in the model's queue); one more answers 429 with
    /// <c>Retry-After</c> instead of waiting. Default 64.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>The <c>Retry-After</c> value sent with 429 and 503 answers, in seconds. Default 1.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the message names it).</exception>
    public void Validate()
    {
        if (MaxRequestBodyBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, $"{SectionName}:MaxRequestBodyBytes must be at least 1024; got {MaxRequestBodyBytes}.");
        }

        if (MaxTokensLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTokensLimit), MaxTokensLimit, $"{SectionName}:MaxTokensLimit must be at least 1; got {MaxTokensLimit}.");
        }

        if (MaxConcurrentRequests < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequests), MaxConcurrentRequests, $"{SectionName}:MaxConcurrentRequests must be at least 1; got {MaxConcurrentRequests}.");
        }

        if (RetryAfterSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryAfterSeconds), RetryAfterSeconds, $"{SectionName}:RetryAfterSeconds must be at least 0; got {RetryAfterSeconds}.");
        }
    }
}
