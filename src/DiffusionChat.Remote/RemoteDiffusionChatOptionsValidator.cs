using Microsoft.Extensions.Options;

namespace DiffusionChat.Remote;

/// <summary>Checks <see cref="RemoteDiffusionChatOptions"/> at startup with messages naming the bad value.</summary>
internal sealed class RemoteDiffusionChatOptionsValidator : IValidateOptions<RemoteDiffusionChatOptions>
{
    public ValidateOptionsResult Validate(string? name, RemoteDiffusionChatOptions options)
    {
        var failures = new List<string>();
        if (options.Endpoint is null)
        {
            failures.Add("DiffusionChat:Endpoint is required (the server's API base, e.g. http://host:5080/v1).");
        }
        else if (!options.Endpoint.IsAbsoluteUri || options.Endpoint.Scheme is not ("http" or "https"))
        {
            failures.Add($"DiffusionChat:Endpoint '{options.Endpoint}' is not valid. Allowed: an absolute http or https URI such as http://host:5080/v1.");
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"DiffusionChat:Timeout must be positive; got {options.Timeout}.");
        }

        try
        {
            options.Diffusion.ToOptions().Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            failures.Add("DiffusionChat:Diffusion: " + ex.Message.Split(Environment.NewLine)[0]);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
