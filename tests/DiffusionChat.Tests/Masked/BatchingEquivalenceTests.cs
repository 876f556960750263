using DiffusionChat.Models;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

public class BatchingEquivalenceTests
{
    [Theory]
    [InlineData(KeyValueCacheMode.None, null)]
    [InlineData(KeyValueCacheMode.Dual, 0.7)]
    [InlineData(KeyValueCacheMode.Prefix, null)]
    public async Task A_row_in_a_padded_batch_gets_the_answer_it_gets_alone(KeyValueCacheMode cache, double? threshold)
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder("llada"), CPU);
        var options = new MaskedSamplerOptions
        {
            AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, Cache = cache, ConfidenceThreshold = threshold, StopAtEndOfSequence = false,
        };

        await AssertBatchedRowsGetTheirAloneAnswers(model, options);
    }

    [Fact]
    public async Task A_shifted_model_gives_a_row_in_a_padded_batch_the_answer_it_gets_alone()
    {
        // Left padding keeps every answer's left neighbour a prompt token, which a shift_logits model reads.
        using var folder = new TempCheckpoint("llada", config => config["shift_logits"] = true);
        using var model = DiffusionModel.Load(folder.Directory, CPU);
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, StopAtEndOfSequence = false };

        await AssertBatchedRowsGetTheirAloneAnswers(model, options);
    }

    [Fact]
    public async Task The_sampler_drives_an_mdlm_denoiser_to_a_fully_unmasked_answer()
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder("mdlm-dit"), CPU);
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, Temperature = 1.0 };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(new MaskedGenerationRequest([[1, 2, 3]], options, 9));

        Assert.Equal(8, result.Answers[0].Count);
        Assert.DoesNotContain(127, result.Answers[0]);
        Assert.Equal(4, result.ForwardPasses);
    }

    /// <summary>A short and a long prompt batched together (the short one left-padded) get the answers each gets alone.</summary>
    private static async Task AssertBatchedRowsGetTheirAloneAnswers(IMaskedDenoiser model, MaskedSamplerOptions options)
    {
        var sampler = new MaskedDiffusionSampler(model);
        IReadOnlyList<int> shortPrompt = [117, 130, 95, 13, 112];
        IReadOnlyList<int> longPrompt = [123, 118, 5, 125, 16, 103, 65, 122];

        var batch = await sampler.GenerateAsync(new MaskedGenerationRequest([shortPrompt, longPrompt], options));
        var aloneShort = await sampler.GenerateAsync(new MaskedGenerationRequest([shortPrompt], options));
        var aloneLong = await sampler.GenerateAsync(new MaskedGenerationRequest([longPrompt], options));

        Assert.NotEqual(aloneShort.Answers[0], aloneLong.Answers[0]); // else rows mixed up in the batch would pass
        Assert.Equal(aloneShort.Answers[0], batch.Answers[0]);
        Assert.Equal(aloneLong.Answers[0], batch.Answers[1]);
    }
}
