using System.Diagnostics;

namespace DiffusionChat.Tests.Samples;

/// <summary>
/// A malformed process-wide setting reaches a sample's user as one line naming the value, with a non-zero exit code,
/// never as an unhandled exception (the samples run as their own processes here, so the variable stays theirs).
/// </summary>
public class SampleSettingErrorTests
{
    [Theory]
    [InlineData("DiffusionChat.Samples.Chat.dll", "DIFFUSIONCHAT_MKL_DISPATCH", "bogus")]
    [InlineData("DiffusionChat.Samples.Chat.dll", "DIFFUSIONCHAT_THREADS", "0")]
    [InlineData("DiffusionChat.Samples.Compare.dll", "DIFFUSIONCHAT_MKL_DISPATCH", "bogus")]
    [InlineData("DiffusionChat.Samples.Compare.dll", "DIFFUSIONCHAT_THREADS", "0")]
    public async Task A_malformed_variable_is_one_line_and_exit_code_2(string sample, string variable, string value)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, sample));
        if (sample.Contains("Chat.dll", StringComparison.Ordinal))
        {
            start.ArgumentList.Add("--once");
            start.ArgumentList.Add("What is the weather in Paris?");
        }
        else
        {
            // Compare reads its appsettings.json beside it, with the shipped models' folders given in full.
            start.WorkingDirectory = AppContext.BaseDirectory;
            start.ArgumentList.Add($"--Clients:diffusion:ModelPath={RepoPaths.Path("models", "dc-masked")}");
            start.ArgumentList.Add($"--Clients:baseline:ModelPath={RepoPaths.Path("models", "dc-ar")}");
        }

        start.Environment[variable] = value;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains($"{variable}='{value}'", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", await output, StringComparison.Ordinal);
    }
}
