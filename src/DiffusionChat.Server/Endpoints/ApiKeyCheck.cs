using System.Security.Cryptography;
using System.Text;
using DiffusionChat.Server.Errors;

namespace DiffusionChat.Server.Endpoints;

/// <summary>
/// Middleware: when an API key is configured, a <c>/v1</c> request without <c>Authorization: Bearer &lt;key&gt;</c>
/// gets 401 before anything else is read. Keys are compared in constant time.
/// </summary>
internal static class ApiKeyCheck
{
    public static Func<HttpContext, RequestDelegate, Task> Create(string? apiKey)
    {
        byte[]? expected = string.IsNullOrEmpty(apiKey) ? null : Encoding.UTF8.GetBytes(apiKey);
        return async (context, next) =>
        {
            if (expected is null || !context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            string header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await OpenAIError.Unauthorized(
                    "You didn't provide an API key. Send it in an Authorization header using Bearer auth (Authorization: Bearer YOUR_KEY).")
                    .WriteAsync(context.Response, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), expected))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                await OpenAIError.Unauthorized("Incorrect API key provided.").WriteAsync(context.Response, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        };
    }
}
