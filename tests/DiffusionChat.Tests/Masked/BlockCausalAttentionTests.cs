using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>LLaDA with <c>block_size</c>: block-causal attention (BD3-LM) and its two-stream training pass.</summary>
public sealed class BlockCausalAttentionTests : IDisposable
{
    private const long Mask = 398;
    private static readonly LladaConfig Bidirectional = new(32, 4, 2, 2, 64, 400, 10000, 1e-5, Mask, 396);

    private readonly LladaDenoiser blocks = LladaDenoiser.Create(Bidirectional with { BlockSize = 3 }, CPU, 11);
    private readonly LladaDenoiser shiftedBlocks = LladaDenoiser.Create(Bidirectional with { BlockSize = 3, ShiftLogits = true }, CPU, 11);
    private readonly LladaDenoiser bidirectional = LladaDenoiser.Create(Bidirectional, CPU, 11);

    public void Dispose()
    {
        blocks.Dispose();
        shiftedBlocks.Dispose();
        bidirectional.Dispose();
    }

    [Fact]
    public void A_position_sees_its_own_block_and_earlier_ones_but_never_a_later_block()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 40, 41, 42, 7, 8 }, [1, 8]); // blocks [0, 3) [3, 6) [6, 8)
        var before = blocks.Forward(ids);

        var laterBlockChanged = ids.clone();
        laterBlockChanged[0, 6] = tensor(Mask);
        var sameBlockChanged = ids.clone();
        sameBlockChanged[0, 5] = tensor(Mask);

        // Exact: the same shapes run the same kernels, and a later block's keys get attention weight exactly 0.
        Assert.Equal(0f, (blocks.Forward(laterBlockChanged)[.., ..6] - before[.., ..6]).abs().max().item<float>());
        Assert.True((blocks.Forward(sameBlockChanged)[.., 3] - before[.., 3]).abs().max().item<float>() > 1e-4, "position 3 must see position 5 of its own block");
        Assert.True((bidirectional.Forward(laterBlockChanged)[.., 0] - bidirectional.Forward(ids)[.., 0]).abs().max().item<float>() > 1e-4, "without block_size attention is bidirectional");
    }

    [Fact]
    public void An_unshifted_block_causal_model_serves_a_block_exactly_from_a_cache_built_with_another_suffix()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 40, 41, 42, 7, 8, 9 }, [1, 9]);
        var otherSuffix = ids.clone();
        otherSuffix[.., 6..] = tensor(Mask);

        Assert.True(blocks.SupportsKeyValueCache);
        _ = blocks.ForwardWithCache(otherSuffix, null, null, out var cache);
        using (cache)
        {
            // Block [3, 6) sees blocks 0-1 only; the cached keys of block 2 came from other tokens and are not read.
            var cached = blocks.ForwardWindow(ids[.., 3..6], 3, cache);
            Assert.True((cached - blocks.Forward(ids)[.., 3..6]).abs().max().item<float>() < 1e-5);
        }
    }

    [Fact]
    public void Blocks_follow_the_position_ids_so_a_left_padded_row_computes_what_it_does_alone()
    {
        using var scope = NewDisposeScope();
        var alone = shiftedBlocks.Forward(tensor(new long[] { 5, 17, 3, 40, Mask, Mask, Mask }, [1, 7]));
        var padded = PaddedBatch.Create([[5, 17, 3, 40], [9, 9, 5, 17, 3, 40]], 3, Mask, 399, CPU, new DeviceTransfers());

        var logits = shiftedBlocks.Forward(padded.Ids, padded.AttentionMask, padded.PositionIds);

        // From the second real token on (the first one of a shifted row reads its left neighbour, here padding).
        Assert.True((logits[0, 3..] - alone[0, 1..]).abs().max().item<float>() < 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_noisy_block_in_training_gets_the_logits_the_sampler_gets_after_the_clean_prefix(bool shifted)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = shifted ? shiftedBlocks : blocks;
        var clean = tensor(new long[] { 5, 17, 3, 40, 41, 42, 7, 8 }, [1, 8]);
        var noisy = tensor(new long[] { 5, Mask, 3, Mask, 41, Mask, Mask, Mask }, [1, 8]);

        var training = model.BlockTrainingLogits(noisy, clean, ones(1, 8, ScalarType.Bool));

        foreach (var (from, to) in new[] { (0, 3), (3, 6), (6, 8) })
        {
            // What the sampler runs when block [from, to) is the current one: clean before it, its noisy tokens, masks after.
            var state = cat([clean[.., ..from], noisy[.., from..to], DiffusionChat.Tensors.HeldScalars.Filled([1, 8 - to], Mask, ScalarType.Int64, CPU)], 1);
            var sampled = model.Forward(state)[.., from..to];
            Assert.True((training[.., from..to] - sampled).abs().max().item<float>() < 1e-5, $"block [{from}, {to})");
        }
    }

    [Fact]
    public void Padding_keys_stay_hidden_in_the_training_pass()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var clean = tensor(new long[] { 5, 17, 3, 40, 41, 399, 399 }, [1, 7]);
        var noisy = tensor(new long[] { 5, 17, 3, Mask, 41, 399, 399 }, [1, 7]);
        var valid = tensor(new[] { true, true, true, true, true, false, false }, [1, 7]);

        var padded = blocks.BlockTrainingLogits(noisy, clean, valid)[.., ..5];
        var unpadded = blocks.BlockTrainingLogits(noisy[.., ..5], clean[.., ..5], ones(1, 5, ScalarType.Bool));

        Assert.True((padded - unpadded).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void The_training_pass_needs_a_block_causal_model_and_matching_shapes()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3 }, [1, 3]);
        var valid = ones(1, 3, ScalarType.Bool);

        var noBlocks = Assert.Throws<InvalidOperationException>(() => bidirectional.BlockTrainingLogits(ids, ids, valid));
        Assert.Contains("block_size", noBlocks.Message, StringComparison.Ordinal);
        var shapes = Assert.Throws<ArgumentException>(() => blocks.BlockTrainingLogits(ids, ids[.., ..2], valid));
        Assert.Contains("[1, 2]", shapes.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Block_size_is_written_to_config_json_and_read_back()
    {
        Assert.Equal(3, (int)(Bidirectional with { BlockSize = 3 }).ToJson(null, 64)["block_size"]!);
        Assert.False(Bidirectional.ToJson(null, 64).ContainsKey("block_size"));

        using var folder = new TempCheckpoint("llada", config => config["block_size"] = 3);
        using var checkpoint = CheckpointFolder.Open(folder.Directory);
        Assert.Equal(3, LladaConfig.From(checkpoint).BlockSize);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_block_size_below_one_is_refused_with_its_value(int size)
    {
        using var folder = new TempCheckpoint("llada", config => config["block_size"] = size);
        using var checkpoint = CheckpointFolder.Open(folder.Directory);

        var error = Assert.Throws<CheckpointFormatException>(() => LladaConfig.From(checkpoint));

        Assert.Contains($"block_size {size}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_built_in_code_refuses_a_block_size_below_one()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LladaDenoiser.Create(Bidirectional with { BlockSize = 0 }, CPU, 1));

        Assert.Contains("BlockSize 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_block_causal_model_gives_a_row_in_a_padded_batch_the_answer_it_gets_alone()
    {
        using var folder = new TempCheckpoint("llada", config => { config["shift_logits"] = true; config["block_size"] = 3; });
        using var model = DiffusionChat.Models.DiffusionModel.Load(folder.Directory, CPU);
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, StopAtEndOfSequence = false };
        var sampler = new MaskedDiffusionSampler(model);
        IReadOnlyList<int> shortPrompt = [117, 130, 95, 13, 112];
        IReadOnlyList<int> longPrompt = [123, 118, 5, 125, 16, 103, 65, 122];

        var batch = await sampler.GenerateAsync(new MaskedGenerationRequest([shortPrompt, longPrompt], options));

        Assert.Equal((await sampler.GenerateAsync(new MaskedGenerationRequest([shortPrompt], options))).Answers[0], batch.Answers[0]);
        Assert.Equal((await sampler.GenerateAsync(new MaskedGenerationRequest([longPrompt], options))).Answers[0], batch.Answers[1]);
    }
}
