using DiffusionChat.Trainer.Training.Masked;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class PrefixMaskingTests
{
    private const int Rows = 64;
    private const int Tokens = 100;
    private const int AnswerStart = 40; // tokens 40..99 are trained: an answer at 40..79, its EOS tail at 80..99
    private const int TailStart = 80;

    [Fact]
    public void Prefix_rows_keep_the_answer_clean_before_a_cut_inside_the_answer_and_mask_after_it_with_probability_t_at_weight_one_over_t()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(21);
        var (trained, cuttable, time) = Answers();

        var (masked, weight) = new PrefixMasking(Share: 1).Apply(trained, cuttable, time, generator);

        var maskedRows = masked.data<bool>().ToArray().Chunk(Tokens).ToArray();
        var weights = weight.data<float>().ToArray().Chunk(Tokens).ToArray();
        var times = time.data<float>().ToArray();
        var firstMasks = new List<int>();
        for (var r = 0; r < Rows; r++)
        {
            var row = maskedRows[r];
            Assert.All(row[..AnswerStart], m => Assert.False(m)); // the prompt is never masked
            var first = Array.IndexOf(row, true);
            Assert.True(first < 0 || first >= AnswerStart);
            for (var i = 0; i < Tokens; i++)
            {
                Assert.Equal(row[i] ? 1 / times[r] : 0, weights[r][i], 3);
            }

            if (times[r] > 0.5f)
            {
                // At large t the masks start at the cut and stay dense after it, tail included: a clean prefix then MDLM's masking.
                Assert.InRange(first, AnswerStart, TailStart + 8); // the cut lies in the answer; its first tokens may still be drawn visible
                var after = row[first..].Count(m => m) / (double)(Tokens - first);
                Assert.True(after > times[r] - 0.35, $"row {r}: only {after:P0} masked after the cut at t = {times[r]}");
                Assert.True(row[TailStart..].Count(m => m) > 0, $"row {r}: the EOS tail was kept clean");
                firstMasks.Add(first);
            }
        }

        // The cut falls all over the answer (not always at its start, as MDLM's masking at large t would put the first mask).
        Assert.True(firstMasks.Max() - firstMasks.Min() > 20, $"first masked positions span only {firstMasks.Min()}..{firstMasks.Max()}");
        Assert.True(firstMasks.Average() > AnswerStart + 10, $"mean first masked position {firstMasks.Average()}: no clean prefixes");
    }

    [Fact]
    public void Share_zero_draws_exactly_the_MDLM_masks_of_block_wise_masking_at_share_zero()
    {
        using var scope = NewDisposeScope();
        using var first = new Generator(22);
        using var second = new Generator(22);
        var (trained, cuttable, time) = Answers();

        var (masked, weight) = new PrefixMasking(Share: 0).Apply(trained, cuttable, time, first);
        var (mdlm, mdlmWeight) = new BlockWiseMasking(Share: 0, BlockLength: 4).Apply(trained, time, second);

        Assert.True(masked.eq(mdlm).all().item<bool>(), "share 0 must be MDLM's masking, draw for draw");
        Assert.True(weight.allclose(mdlmWeight));
    }

    [Fact]
    public void About_the_share_of_rows_gets_a_clean_prefix()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(23);
        var rows = 400;
        var (trained, cuttable, _) = Answers(rows);
        var time = full(rows, 0.999f); // MDLM masks nearly every answer token at this t; a prefix row leaves the tokens before its cut

        var (masked, _) = new PrefixMasking(Share: 0.5).Apply(trained, cuttable, time, generator);

        var visible = trained.logical_and(masked.logical_not()).to(ScalarType.Int64).sum(1).data<long>().ToArray();
        Assert.InRange(visible.Count(v => v >= 3), 150, 250); // cut >= 3 in ~ 0.5 * 37/40 of rows
    }

    [Fact]
    public void Masked_objective_rejects_block_wise_and_prefix_masking_together()
    {
        using var setup = new TinyTrainingSetup();

        var error = Assert.Throws<ArgumentException>(() => setup.CreateMaskedObjective(blockWiseShare: 0.5, prefixShare: 0.5));

        Assert.Contains("alternatives", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Invalid_share_is_rejected_with_the_value(double share)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var (trained, cuttable, time) = Answers(rows: 2);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PrefixMasking(share).Apply(trained, cuttable, time, generator));

        Assert.Equal("Share", error.ParamName);
    }

    private static (Tensor Trained, Tensor Cuttable, Tensor Time) Answers(int rows = Rows)
    {
        var positions = arange(Tokens).unsqueeze(0).expand(rows, Tokens);
        var trained = positions.ge(AnswerStart).clone();
        var cuttable = positions.lt(TailStart).logical_and(trained);
        var time = 1e-3f + ((1 - 1e-3f) * (arange(rows, ScalarType.Float32) + 0.5f) / rows);
        return (trained, cuttable, time);
    }
}
