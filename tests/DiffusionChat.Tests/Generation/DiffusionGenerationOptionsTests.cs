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

    [Fact]
    public void Asking_for_draft_and_verify_asks_for_its_one_token_schedule_over_the_defaults()
    {
        var defaults = new DiffusionGenerationOptions { Steps = 4, BlockLength = 4, ConfidenceThreshold = 0.9 };

        var merged = defaults.With(new DiffusionGenerationOptions { DraftAndVerify = true });

        Assert.Equal(new DiffusionGenerationOptions { Steps = 1, BlockLength = 1, DraftAndVerify = true }, merged);
        merged.Validate();
    }

    [Fact]
    public void A_request_that_chooses_a_schedule_turns_the_defaults_draft_and_verify_off()
    {
        var defaults = new DiffusionGenerationOptions { Steps = 1, BlockLength = 1, DraftAndVerify = true };

        Assert.Null(defaults.With(new DiffusionGenerationOptions { BlockLength = 4, Steps = 4 }).DraftAndVerify);
        Assert.Null(defaults.With(new DiffusionGenerationOptions { ConfidenceThreshold = 0.9 }).DraftAndVerify);
        Assert.True(defaults.With(new DiffusionGenerationOptions { Remasking = RemaskingStrategy.Entropy }).DraftAndVerify);
    }

    [Theory]
    [InlineData(4, null, null)]
    [InlineData(null, 2, null)]
    [InlineData(null, null, 0.9)]
    public void Draft_and_verify_with_another_schedule_is_refused_naming_what_is_allowed(int? blockLength, int? steps, double? threshold)
    {
        var options = new DiffusionGenerationOptions { DraftAndVerify = true, BlockLength = blockLength, Steps = steps, ConfidenceThreshold = threshold };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(DiffusionGenerationOptions.DraftAndVerify), ex.ParamName);
        Assert.Contains("BlockLength and Steps unset or 1, no ConfidenceThreshold", ex.Message, StringComparison.Ordinal);
    }
}
