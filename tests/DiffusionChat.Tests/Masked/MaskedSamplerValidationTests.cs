using DiffusionChat.Sampling;
using static DiffusionChat.Tests.Masked.SamplerTestModels;

namespace DiffusionChat.Tests.Masked;

public class MaskedSamplerValidationTests
{
    public static TheoryData<MaskedSamplerOptions, string> BadOptions => new()
    {
        { new MaskedSamplerOptions { BlockLength = 0 }, nameof(MaskedSamplerOptions.BlockLength) },
        { new MaskedSamplerOptions { AnswerLength = 30, BlockLength = 8 }, nameof(MaskedSamplerOptions.AnswerLength) },
        { new MaskedSamplerOptions { AnswerLength = 0 }, nameof(MaskedSamplerOptions.AnswerLength) },
        { new MaskedSamplerOptions { StepsPerBlock = 0 }, nameof(MaskedSamplerOptions.StepsPerBlock) },
        { new MaskedSamplerOptions { ConfidenceThreshold = 0 }, nameof(MaskedSamplerOptions.ConfidenceThreshold) },
        { new MaskedSamplerOptions { ConfidenceThreshold = 1.5 }, nameof(MaskedSamplerOptions.ConfidenceThreshold) },
        { new MaskedSamplerOptions { Temperature = -0.1 }, nameof(MaskedSamplerOptions.Temperature) },
        { new MaskedSamplerOptions { Temperature = double.NaN }, nameof(MaskedSamplerOptions.Temperature) },
        { new MaskedSamplerOptions { TopP = 0 }, nameof(MaskedSamplerOptions.TopP) },
        { new MaskedSamplerOptions { TopP = 1.01 }, nameof(MaskedSamplerOptions.TopP) },
        { new MaskedSamplerOptions { TopK = 0 }, nameof(MaskedSamplerOptions.TopK) },
        { new MaskedSamplerOptions { Remasking = (RemaskingStrategy)42 }, nameof(MaskedSamplerOptions.Remasking) },
        { new MaskedSamplerOptions { Cache = (KeyValueCacheMode)42 }, nameof(MaskedSamplerOptions.Cache) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Invalid_options_are_rejected_naming_the_setting(MaskedSamplerOptions options, string setting)
    {
        var sampler = new MaskedDiffusionSampler(Confident(_ => 3));

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => sampler.GenerateAsync(Request(options)));

        Assert.Equal(setting, ex.ParamName);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 1, 7 })]
    [InlineData(new[] { 8 })]
    [InlineData(new[] { -1 })]
    public async Task Bad_prompts_are_rejected(int[] prompt)
    {
        var sampler = new MaskedDiffusionSampler(Confident(_ => 3));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => sampler.GenerateAsync(Request(new MaskedSamplerOptions(), 0, prompt)));

        Assert.Contains("Prompt 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transfer_schedule_spreads_the_remainder_over_the_first_steps()
    {
        Assert.Equal([3, 3, 2, 2], TransferSchedule.Linear(10, 4));
        Assert.Equal([1, 1, 0], TransferSchedule.Linear(2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TransferSchedule.Linear(4, 0));
    }
}
