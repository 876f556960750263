using DiffusionChat.Sampling;
using DiffusionChat.Generation;

namespace DiffusionChat.Tests.Generation;

public class DiffusionGenerationOptionsTests
{
    [Theory]
    [InlineData(0, null, null, "Steps")]
    [InlineData(null, 0, null, "BlockLength")]
    [InlineData(null, null, 0.0, "ConfidenceThreshold")]
    [InlineData(null, null, 1.5, "ConfidenceThreshold")]
    [InlineData(null, null, double.NaN, "ConfidenceThreshold")]
    public void Out_of_range_knob_is_rejected_by_name(int? steps, int? blockLength, double? threshold, string name)
    {
        var options = new DiffusionGenerationOptions { Steps = steps, BlockLength = blockLength, ConfidenceThreshold = threshold };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(name, ex.ParamName);
    }

    [Fact]
    public void With_takes_only_the_values_the_override_sets()
    {
        var defaults = new DiffusionGenerationOptions { Steps = 32, BlockLength = 16, Cache = KeyValueCacheMode.Prefix };

        var merged = defaults.With(new DiffusionGenerationOptions { Steps = 8 });

        Assert.Equal(new DiffusionGenerationOptions { Steps = 8, BlockLength = 16, Cache = KeyValueCacheMode.Prefix }, merged);
        Assert.Equal(32, defaults.Steps);
    }
}
