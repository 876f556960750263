using DiffusionChat.Cli.Golden;

namespace DiffusionChat.Tests.Sdar;

public class SdarGoldenParityTests
{
    [Fact]
    public void Every_sdar_golden_case_passes()
    {
        var results = GoldenRunner.Run(GoldenPaths.Folder("sdar"));

        Assert.Contains(results, r => r.Kind == "forward" && r.Case == "kv");
        Assert.Contains(results, r => r.Kind == "sampler");
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
