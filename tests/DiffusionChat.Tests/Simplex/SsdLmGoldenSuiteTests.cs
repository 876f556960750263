using DiffusionChat.Cli.Golden;

namespace DiffusionChat.Tests.Simplex;

public class SsdLmGoldenSuiteTests
{
    [Fact]
    public void Ssdlm_fixtures_pass_forward_and_replayed_decode()
    {
        var results = GoldenRunner.Run(GoldenPaths.Folder("ssdlm"));

        Assert.Equal(["case0", "case1", "case2", "decode"], results.Select(r => r.Case));
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
