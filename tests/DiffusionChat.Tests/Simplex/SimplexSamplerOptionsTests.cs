using DiffusionChat.Sampling.Simplex;

namespace DiffusionChat.Tests.Simplex;

public class SimplexSamplerOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_follow_the_paper_block_size()
    {
        var options = new SimplexSamplerOptions();

        options.Validate();
        Assert.Equal(25, options.BlockLength);
        Assert.Equal(5.0, options.SimplexValue);
    }

    public static TheoryData<SimplexSamplerOptions, string> InvalidOptions => new()
    {
        { new SimplexSamplerOptions { BlockLength = 0 }, nameof(SimplexSamplerOptions.BlockLength) },
        { new SimplexSamplerOptions { Steps = 0 }, nameof(SimplexSamplerOptions.Steps) },
        { new SimplexSamplerOptions { MaxBlocks = 0 }, nameof(SimplexSamplerOptions.MaxBlocks) },
        { new SimplexSamplerOptions { TopP = 0 }, nameof(SimplexSamplerOptions.TopP) },
        { new SimplexSamplerOptions { TopP = 1.01 }, nameof(SimplexSamplerOptions.TopP) },
        { new SimplexSamplerOptions { TopP = double.NaN }, nameof(SimplexSamplerOptions.TopP) },
        { new SimplexSamplerOptions { SimplexValue = 0 }, nameof(SimplexSamplerOptions.SimplexValue) },
        { new SimplexSamplerOptions { SimplexValue = double.PositiveInfinity }, nameof(SimplexSamplerOptions.SimplexValue) },
        { new SimplexSamplerOptions { NoiseScale = -1 }, nameof(SimplexSamplerOptions.NoiseScale) },
        { new SimplexSamplerOptions { Projection = (SimplexProjection)9 }, nameof(SimplexSamplerOptions.Projection) },
        { new SimplexSamplerOptions { ContextOverflow = (SimplexContextOverflow)4 }, nameof(SimplexSamplerOptions.ContextOverflow) },
        { new SimplexSamplerOptions { EndOfSequenceTokenId = -2 }, nameof(SimplexSamplerOptions.EndOfSequenceTokenId) },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_names_the_setting_that_is_out_of_range(SimplexSamplerOptions options, string setting)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(setting, ex.ParamName);
    }
}
