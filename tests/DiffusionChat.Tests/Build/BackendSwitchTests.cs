using System.Diagnostics;

namespace DiffusionChat.Tests.Build;

/// <summary>The documented build switch: one MSBuild property picks the TorchSharp package for every project.</summary>
public class BackendSwitchTests
{
    private static (int ExitCode, string Output) MsBuild(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("msbuild");
        start.ArgumentList.Add(RepoPaths.Path("src", "DiffusionChat", "DiffusionChat.csproj"));
        start.ArgumentList.Add("-nologo");
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit(120_000);
        return (process.ExitCode, (output.Result + error.Result).Trim());
    }

    [Fact]
    public void Default_build_uses_the_cpu_package_and_cuda_switch_swaps_it()
    {
        Assert.Equal("TorchSharp-cpu", MsBuild("-getProperty:TorchSharpPackage").Output);
        Assert.Equal("TorchSharp-cuda-linux", MsBuild("-getProperty:TorchSharpPackage", "-p:TorchBackend=cuda").Output);
    }

    [Fact]
    public void Unknown_backend_fails_the_build_naming_the_allowed_values()
    {
        var (exitCode, output) = MsBuild("-t:_CheckTorchBackend", "-p:TorchBackend=rocm");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("TorchBackend 'rocm' is not supported. Allowed values: cpu (default), cuda.", output, StringComparison.Ordinal);
    }
}
