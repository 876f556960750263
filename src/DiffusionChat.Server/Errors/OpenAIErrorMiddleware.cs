namespace DiffusionChat.Server.Errors;

/// <summary>
/// Outermost middleware: whatever escapes an endpoint, and every empty error status (unknown URL 404, wrong method
/// 405), goes out in OpenAI's error shape instead of ASP.NET Core's defaults.
/// </summary>
internal static class OpenAIErrorMiddleware
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var error = ErrorMapping.FromException(ex);
            if (error.Status >= 500)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAIErrorMiddleware)).LogError(ex, "Request failed.");
            }

            if ((ex as OpenAIErrorException)?.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await error.WriteAsync(context.Response, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (context.Response is { HasStarted: false, StatusCode: >= 400 } response && response.ContentLength is null or 0 && response.ContentType is null)
        {
            var request = context.Request;
            var error = response.StatusCode switch
            {
                StatusCodes.Status404NotFound => new OpenAIError(404, $"Unknown request URL: {request.Method} {request.Path}.", OpenAIError.InvalidRequest, null, "unknown_url"),
                StatusCodes.Status405MethodNotAllowed => new OpenAIError(405, $"Method {request.Method} is not allowed for {request.Path}.", OpenAIError.InvalidRequest, null, "method_not_allowed"),
                int status => new OpenAIError(status, $"The request failed with status {status}.", status >= 500 ? "server_error" : OpenAIError.InvalidRequest),
            };
            await error.WriteAsync(response, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
