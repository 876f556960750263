using DiffusionChat.Cli.Golden;

namespace DiffusionChat.Tests.Masked;

public class GoldenParityTests
{
    [Theory]
    [InlineData("mdlm-dit")]
    [InlineData("llada")]
    public void Every_golden_case_of_the_fixture_folder_passes(string folder)
    {
        var results = GoldenRunner.Run(GoldenPaths.Folder(folder));

        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }
}
