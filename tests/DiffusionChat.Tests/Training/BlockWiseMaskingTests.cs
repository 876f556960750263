using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Training;
using DiffusionChat.Trainer.Training.Masked;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class BlockWiseMaskingTests
{
    private const int Rows = 64;
    private const int Tokens = 100;
    private const int AnswerStart = 40; // tokens 40..99 are the trained "answer"

    [Fact]
    public void Block_rows_show_a_clean_prefix_a_partly_masked_block_and_masks_after_it_with_loss_on_the_block_only()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var (trained, time) = Answers();

        var (masked, weight) = new BlockWiseMasking(Share: 1, BlockLength: 4).Apply(trained, time, generator);

        var maskedRows = Rows2D(masked.data<bool>().ToArray());
        var weights = Rows2D(weight.data<float>().ToArray());
        var times = time.data<float>().ToArray();
        var partlyMaskedBlocks = 0;
        for (var r = 0; r < Rows; r++)
        {
            var row = maskedRows[r];
            Assert.All(row[..AnswerStart], m => Assert.False(m)); // the prompt is never masked
            var cut = Array.IndexOf(row, true, AnswerStart);
            if (cut < 0)
            {
                continue; // a short draw: nothing masked in the block and the cut at the last token
            }

            var lastVisible = Array.LastIndexOf(row, false);
            Assert.True(lastVisible < cut + 4, $"row {r}: a visible token at {lastVisible} after the block starting at or before {cut}");
            for (var i = 0; i < Tokens; i++)
            {
                Assert.True(weights[r][i] >= 0);
                Assert.True(!row[i] ? weights[r][i] == 0 : true, $"row {r}: weight on a visible token at {i}");
            }

            // The loss-carrying positions lie inside one 4-token block and everything after the block is masked.
            var carrying = Enumerable.Range(0, Tokens).Where(i => weights[r][i] > 0).ToArray();
            if (carrying.Length == 0)
            {
                // No token of the block drawn (small t): then the masks are exactly the tokens after the block.
                Assert.All(Enumerable.Range(cut, Tokens - cut), i => Assert.True(row[i]));
                continue;
            }

            Assert.True(carrying[^1] - carrying[0] < 4, $"row {r}: loss on {string.Join(",", carrying)}");
            Assert.All(Enumerable.Range(carrying[0] + 4, Math.Max(0, Tokens - carrying[0] - 4)), i => Assert.True(row[i]));

            // Weight 1/t times trained tokens / block tokens: 60 / 4 unless the block is cut short by the row's end.
            var scaled = weights[r][carrying[0]] * times[r];
            Assert.All(carrying, i => Assert.Equal(weights[r][carrying[0]], weights[r][i]));
            Assert.True(carrying[0] < Tokens - 7 ? Math.Abs(scaled - 15) < 1e-2 : new[] { 15f, 20f, 30f, 60f }.Any(w => Math.Abs(scaled - w) < 1e-2), $"row {r}: weight x t = {scaled}");
            partlyMaskedBlocks += Enumerable.Range(carrying[0], Math.Min(4, Tokens - carrying[0])).Any(i => !row[i]) ? 1 : 0;
        }

        Assert.True(partlyMaskedBlocks > Rows / 4, $"only {partlyMaskedBlocks} blocks are partly masked: the block should be masked with probability t, not whole");
    }

    [Fact]
    public void Share_zero_is_MDLM_masking_each_trained_token_with_probability_t_at_weight_one_over_t()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(12);
        var (trained, time) = Answers();

        var (masked, weight) = new BlockWiseMasking(Share: 0, BlockLength: 4).Apply(trained, time, generator);

        Assert.False(masked.logical_and(trained.logical_not()).any().item<bool>());
        var fraction = masked.to(ScalarType.Float32).sum(1) / 60;
        Assert.True((fraction - time).abs().mean().item<float>() < 0.1, "masked fraction does not follow t");
        var expected = (1 / time).unsqueeze(1).expand(Rows, Tokens).masked_fill(masked.logical_not(), 0);
        Assert.True(weight.allclose(expected), "weights are not 1/t on masked tokens and 0 elsewhere");
    }

    [Fact]
    public void About_the_share_of_rows_is_block_wise()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(13);
        var (trained, time) = Answers(rows: 400);

        var (masked, _) = new BlockWiseMasking(Share: 0.5, BlockLength: 4).Apply(trained, time, generator);

        // A block row masks a suffix completely; MDLM rows at these t almost never end in 8 masked tokens with a visible one before.
        var rows = masked.data<bool>().ToArray().Chunk(Tokens).ToArray();
        var blockLike = rows.Count(row => row[(Tokens - 8)..].All(m => m) && Array.LastIndexOf(row, false) >= AnswerStart);
        Assert.InRange(blockLike, 120, 280);
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 1.0)] // clean-prefix masking (PrefixMasking) follows the same rule
    public void Held_out_batches_keep_MDLM_masking_even_when_training_rows_are_block_wise(double blockWiseShare, double prefixShare)
    {
        using var blockWise = new TinyTrainingSetup();
        using var objective = blockWise.CreateMaskedObjective(blockWiseShare: blockWiseShare, prefixShare: prefixShare);
        using var plain = blockWise.CreateMaskedObjective(blockWiseShare: 0);
        using var scope = NewDisposeScope();
        using var batch = blockWise.Train.Batch(seed: 1, step: 0, batchSize: 8, CPU);
        using var first = new Generator(7);
        using var second = new Generator(7);
        using var third = new Generator(7);

        var (cleanA, _, maskedA, _, _) = objective.ApplyNoise(batch, first);
        var (cleanB, _, maskedB, _, _) = plain.ApplyNoise(batch, second);
        using var training = batch with { MayMaskBlockWise = true };
        var (cleanC, _, maskedC, _, _) = objective.ApplyNoise(training, third);
        cleanA.Dispose();
        cleanB.Dispose();
        cleanC.Dispose();

        Assert.True(maskedA.eq(maskedB).all().item<bool>(), "a batch not marked for block-wise masking was masked differently");
        Assert.False(maskedC.eq(maskedB).all().item<bool>(), "the marked training batch was not masked block-wise");
        Assert.True(blockWise.SpecialIds.ContainsKey(ChatMarkers.Mask));
    }

    [Theory]
    [InlineData(-0.1, 4)]
    [InlineData(1.5, 4)]
    [InlineData(0.5, 0)]
    public void Invalid_share_or_block_length_is_rejected(double share, int block)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var (trained, time) = Answers(rows: 2);

        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new BlockWiseMasking(share, block).Apply(trained, time, generator));
    }

    private static (Tensor Trained, Tensor Time) Answers(int rows = Rows)
    {
        var trained = arange(Tokens).ge(AnswerStart).unsqueeze(0).expand(rows, Tokens).clone();
        var time = 1e-3f + ((1 - 1e-3f) * (arange(rows, ScalarType.Float32) + 0.5f) / rows);
        return (trained, time);
    }

    private static bool[][] Rows2D(bool[] flat) => flat.Chunk(Tokens).ToArray();

    private static float[][] Rows2D(float[] flat) => flat.Chunk(Tokens).ToArray();
}
