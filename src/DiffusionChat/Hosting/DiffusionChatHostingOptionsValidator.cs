using DiffusionChat.Devices;
using Microsoft.Extensions.Options;

namespace DiffusionChat.Hosting;

/// <summary>Validates <see cref="DiffusionChatHostingOptions"/> at startup with messages naming the bad value.</summary>
internal sealed class DiffusionChatHostingOptionsValidator : IValidateOptions<DiffusionChatHostingOptions>
{
    private static readonly string[] DTypes = ["float32", "float16", "bfloat16"];

    public ValidateOptionsResult Validate(string? name, DiffusionChatHostingOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            failures.Add("DiffusionChat:ModelPath is required (a checkpoint folder with config.json, weights and tokenizer files).");
        }
        else if (!Directory.Exists(options.ModelPath))
        {
            failures.Add($"DiffusionChat:ModelPath '{options.ModelPath}' does not exist (resolved to '{Path.GetFullPath(options.ModelPath)}').");
        }

        var device = (options.Device ?? "").Trim().ToLowerInvariant();
        if (!(device is "" or "auto" or "cpu" or "cuda" || (device.StartsWith("cuda:", StringComparison.Ordinal) && device.Length > 5 && device[5..].All(char.IsAsciiDigit))))
        {
            failures.Add($"DiffusionChat:Device '{options.Device}' is not valid. Allowed: {ComputeDevice.AllowedNames}.");
        }

        if (!DTypes.Contains((options.DType ?? "").Trim().ToLowerInvariant()))
        {
            failures.Add($"DiffusionChat:DType '{options.DType}' is not valid. Allowed: {string.Join(", ", DTypes)}.");
        }

        if (options.Threads is { } threads && threads is < 1 or > CpuThreads.Maximum)
        {
            failures.Add($"DiffusionChat:Threads {threads} is not valid. Allowed: 1 to {CpuThreads.Maximum}, or unset for LibTorch's default (one per core).");
        }

        try
        {
            CpuThreads.FromEnvironment(Environment.GetEnvironmentVariable(CpuThreads.EnvironmentVariable));
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message.Split(Environment.NewLine)[0]);
        }

        try
        {
            MklCpuDispatch.WantsFeatureDispatch(Environment.GetEnvironmentVariable(MklCpuDispatch.EnvironmentVariable));
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message.Split(Environment.NewLine)[0]);
        }

        try
        {
            options.ToClientOptions().Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            failures.Add("DiffusionChat: " + ex.Message.Split(Environment.NewLine)[0]);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
