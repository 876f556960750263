using DiffusionChat.Checkpoints;
using DiffusionChat.Models;
using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Dream;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Dream;

public sealed class DreamSamplerTests : IDisposable
{
    private static readonly int[] ShortPrompt = [55, 98, 99];
    private static readonly int[] LongPrompt = [73, 102, 91, 25, 3, 99, 67, 8];

    private readonly DreamDenoiser model;

    public DreamSamplerTests()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("dream"));
        model = DreamDenoiser.Load(checkpoint, CPU);
    }

    public void Dispose() => model.Dispose();

    [Theory]
    [InlineData(DreamUnmasking.MaskGitPlus)]
    [InlineData(DreamUnmasking.Entropy)]
    [InlineData(DreamUnmasking.Origin)]
    public async Task Every_answer_position_is_filled_after_the_last_step(DreamUnmasking unmasking)
    {
        var options = new DreamSamplerOptions { MaxNewTokens = 10, Steps = 4, Unmasking = unmasking, Temperature = 0.7, TopK = null };

        var result = await new DreamSampler(model).GenerateAsync(new DreamGenerationRequest([ShortPrompt], options, Seed: 3));

        Assert.Equal(10, result.Answers[0].Count);
        Assert.DoesNotContain((int)model.MaskTokenId, result.Answers[0]);
    }

    [Fact]
    public async Task A_left_padded_row_gets_the_answer_it_gets_alone()
    {
        var options = new DreamSamplerOptions { MaxNewTokens = 8, Steps = 8, Unmasking = DreamUnmasking.MaskGitPlus, Temperature = 0 };
        var sampler = new DreamSampler(model);

        var alone = await sampler.GenerateAsync(new DreamGenerationRequest([ShortPrompt], options));
        var batched = await sampler.GenerateAsync(new DreamGenerationRequest([ShortPrompt, LongPrompt], options));

        Assert.Equal(alone.Answers[0], batched.Answers[0]);
    }

    [Fact]
    public async Task Greedy_decoding_reads_the_device_once_per_generation()
    {
        var options = new DreamSamplerOptions { MaxNewTokens = 8, Steps = 4, Unmasking = DreamUnmasking.TopKMargin, Temperature = 0 };

        var transfers = new DeviceTransfers();

        var result = await new DreamSampler(model, transfers).GenerateAsync(new DreamGenerationRequest([ShortPrompt, LongPrompt], options));

        Assert.Equal(1, transfers.Reads);
        Assert.Equal(4, result.ForwardPasses);
    }

    [Fact]
    public async Task A_prompt_holding_the_mask_id_is_rejected_with_its_row_and_id()
    {
        var options = new DreamSamplerOptions { MaxNewTokens = 4, Steps = 2 };
        int[] bad = [1, (int)model.MaskTokenId];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new DreamSampler(model).GenerateAsync(new DreamGenerationRequest([ShortPrompt, bad], options)));

        Assert.Contains("Prompt 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(model.MaskTokenId.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.5, null, null)]
    [InlineData(1.0, 1.5, null)]
    [InlineData(1.0, null, 0)]
    public void Options_outside_their_range_are_rejected(double temperature, double? topP, int? topK)
    {
        var options = new DreamSamplerOptions { Temperature = temperature, TopP = topP, TopK = topK };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public async Task Cancellation_stops_the_generation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var options = new DreamSamplerOptions { MaxNewTokens = 4, Steps = 2 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DreamSampler(model).GenerateAsync(new DreamGenerationRequest([ShortPrompt], options), cancelled.Token));
    }

    [Fact]
    public async Task Dream_loads_as_a_masked_denoiser_and_decodes_with_a_confidence_threshold()
    {
        using var denoiser = DiffusionModel.Load(GoldenPaths.Folder("dream"), CPU);
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 8, StepsPerBlock = 8, ConfidenceThreshold = 0.5, StopAtEndOfSequence = false };

        var result = await new MaskedDiffusionSampler(denoiser).GenerateAsync(new MaskedGenerationRequest([ShortPrompt], options));

        Assert.IsType<DreamDenoiser>(denoiser);
        Assert.Equal(8, result.Answers[0].Count);
        Assert.DoesNotContain((int)denoiser.MaskTokenId, result.Answers[0]);
        Assert.InRange(result.ForwardPasses, 1, 8);
    }

    [Fact]
    public async Task A_bfloat16_model_generates_through_the_same_code_path()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("dream"));
        using var half = DreamDenoiser.Load(checkpoint, CPU, ScalarType.BFloat16);
        var options = new DreamSamplerOptions { MaxNewTokens = 8, Steps = 4, Unmasking = DreamUnmasking.Entropy, Temperature = 0 };

        var result = await new DreamSampler(half).GenerateAsync(new DreamGenerationRequest([ShortPrompt], options));

        Assert.Equal(8, result.Answers[0].Count);
        Assert.DoesNotContain((int)half.MaskTokenId, result.Answers[0]);
    }
}
