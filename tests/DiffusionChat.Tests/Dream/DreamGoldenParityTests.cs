using DiffusionChat.Cli.Golden;

namespace DiffusionChat.Tests.Dream;

public class DreamGoldenParityTests
{
    [Fact]
    public void Every_dream_golden_case_passes()
    {
        var results = GoldenRunner.Run(GoldenPaths.Folder("dream"));

        Assert.Contains(results, r => r.Kind == "forward");
        Assert.Contains(results, r => r.Kind == "sampler");
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
