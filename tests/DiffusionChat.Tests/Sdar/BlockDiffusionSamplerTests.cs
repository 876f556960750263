using DiffusionChat.Checkpoints;
using DiffusionChat.Models;
using DiffusionChat.Models.Sdar;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Sdar;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Sdar;

public sealed class BlockDiffusionSamplerTests : IDisposable
{
    private static readonly int[] Prompt = [7, 99, 59, 60, 23, 133];

    private readonly SdarDenoiser model;

    public BlockDiffusionSamplerTests()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("sdar"));
        model = SdarDenoiser.Load(checkpoint, CPU);
    }

    public void Dispose() => model.Dispose();

    [Fact]
    public async Task Temperature_zero_decodes_greedily_and_repeatably()
    {
        var options = new BlockDiffusionOptions { GenLength = 8, Temperature = 0, Remasking = SdarRemasking.LowConfidenceStatic };
        var sampler = new BlockDiffusionSampler(model);

        var first = await sampler.GenerateAsync(new BlockDiffusionRequest([Prompt], options, Seed: 1));
        var second = await sampler.GenerateAsync(new BlockDiffusionRequest([Prompt], options, Seed: 2));

        Assert.Equal(first.Answers[0], second.Answers[0]);
        Assert.DoesNotContain((int)model.MaskTokenId, first.Answers[0]);
    }

    [Fact]
    public async Task The_answer_fills_whole_blocks_after_the_prompt()
    {
        // 6 prompt tokens + 8 = 14 -> 4 blocks of 4; the partial prompt block contributes its 2 free positions.
        var options = new BlockDiffusionOptions { GenLength = 8, Temperature = 0.8, Remasking = SdarRemasking.Sequential };

        var result = await new BlockDiffusionSampler(model).GenerateAsync(new BlockDiffusionRequest([Prompt], options, Seed: 5));

        Assert.Equal(10, result.Answers[0].Count);
        Assert.False(result.Stopped[0]);
    }

    [Fact]
    public async Task A_stop_id_ends_the_generation_after_its_block()
    {
        var options = new BlockDiffusionOptions { GenLength = 16, Temperature = 0, Remasking = SdarRemasking.LowConfidenceStatic };
        var sampler = new BlockDiffusionSampler(model);
        var free = await sampler.GenerateAsync(new BlockDiffusionRequest([Prompt], options));
        int stopId = free.Answers[0][3]; // a token of the second decoded block

        var stopped = await sampler.GenerateAsync(new BlockDiffusionRequest([Prompt], options with { StopTokenIds = [stopId] }));

        Assert.True(stopped.Stopped[0]);
        int cut = free.Answers[0].ToList().IndexOf(stopId);
        int blockEnd = ((Prompt.Length + cut) / 4 * 4) + 4 - Prompt.Length;
        Assert.Equal(free.Answers[0].Take(blockEnd), stopped.Answers[0]);
    }

    [Fact]
    public async Task A_static_schedule_reads_the_device_once_per_block()
    {
        var options = new BlockDiffusionOptions { GenLength = 8, Temperature = 1.0, Remasking = SdarRemasking.LowConfidenceStatic };
        var blocks = new List<TokensCommitted>();
        var transfers = new DeviceTransfers();

        var result = await new BlockDiffusionSampler(model, transfers).GenerateAsync(new BlockDiffusionRequest([Prompt], options, Seed: 9), blocks.Add);

        Assert.Equal(3, blocks.Count);
        Assert.Equal(3, transfers.Reads);
        Assert.Equal(result.Answers[0], blocks.SelectMany(b => b.Tokens));
    }

    [Fact]
    public void A_block_read_against_the_cache_equals_the_uncached_block_causal_pass()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 7, 99, 59, 60, 23, 133, 169, 169 }, [1, 8]);
        var positions = HeldScalars.Range(0, 8, ScalarType.Int64, CPU).unsqueeze(0);
        var full = model.Forward(ids, positions, SdarDenoiser.BlockCausalMask(8, 4, CPU), null, store: false);
        using var cache = new KeyValueCache(model.Config.Layers);

        model.Forward(ids[.., ..4], positions[.., ..4], SdarDenoiser.BlockCausalMask(4, 4, CPU), cache, store: true);
        var block = model.Forward(ids[.., 4..], positions[.., 4..], null, cache, store: false);

        Assert.Equal(4, cache.Length);
        Assert.True((block - full[.., 4..]).abs().max().item<float>() < 1e-4);
    }

    [Fact]
    public async Task Cancellation_stops_the_generation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var options = new BlockDiffusionOptions { GenLength = 4 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BlockDiffusionSampler(model).GenerateAsync(new BlockDiffusionRequest([Prompt], options), null, cancelled.Token));
    }

    [Theory]
    [InlineData(0, 4, 1.0)]
    [InlineData(8, 0, 1.0)]
    [InlineData(8, 4, 0.0)]
    public void Options_outside_their_range_are_rejected(int genLength, int steps, double topP)
    {
        var options = new BlockDiffusionOptions { GenLength = genLength, DenoisingSteps = steps, TopP = topP };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }

    [Fact]
    public async Task A_bfloat16_model_generates_through_the_same_code_path()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("sdar"));
        using var half = SdarDenoiser.Load(checkpoint, CPU, ScalarType.BFloat16);
        var options = new BlockDiffusionOptions { GenLength = 8, Temperature = 0, Remasking = SdarRemasking.LowConfidenceStatic };

        var result = await new BlockDiffusionSampler(half).GenerateAsync(new BlockDiffusionRequest([Prompt], options));

        Assert.Equal(10, result.Answers[0].Count);
        Assert.DoesNotContain((int)half.MaskTokenId, result.Answers[0]);
    }
}
