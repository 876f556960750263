using DiffusionChat.Sampling.Simplex;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

public class LogitsProjectionTests
{
    // softmax = [0.05, 0.5, 0.15, 0.3] at position 0 (top order 1, 3, 2, 0).
    private static Tensor Logits() => log(tensor(new float[] { 0.05f, 0.5f, 0.15f, 0.3f }).reshape(1, 1, 4));

    private static float[] Values(Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void Multi_hot_keeps_the_token_that_crosses_top_p()
    {
        using var logits = Logits();

        // Mass before token 1 is 0, before token 3 is 0.5 < 0.6, before token 2 is 0.8: keep {1, 3}.
        using var projected = LogitsProjection.MultiHot(logits, 0.6, 5.0);

        Assert.Equal([-5f, 5f, -5f, 5f], Values(projected));
    }

    [Fact]
    public void Multi_hot_always_keeps_the_top_token()
    {
        using var logits = Logits();

        using var projected = LogitsProjection.MultiHot(logits, 1e-6, 3.0);

        Assert.Equal([-3f, 3f, -3f, -3f], Values(projected));
    }

    [Fact]
    public void Multi_hot_with_top_p_one_keeps_every_token()
    {
        using var logits = Logits();

        using var projected = LogitsProjection.MultiHot(logits, 1.0, 5.0);

        Assert.Equal([5f, 5f, 5f, 5f], Values(projected));
    }

    [Theory]
    [InlineData(0.0f, 1)]   // inverse CDF over the renormalised nucleus {1: 0.625, 3: 0.375}
    [InlineData(0.6f, 1)]
    [InlineData(0.7f, 3)]
    [InlineData(0.999999f, 3)]
    public void Sampled_one_hot_picks_by_inverse_cdf_within_the_nucleus(float uniform, int expectedToken)
    {
        using var logits = Logits();
        using var uniforms = full(1, 1, uniform);

        using var projected = LogitsProjection.SampledOneHot(logits, 0.6, 5.0, uniforms);

        var expected = Enumerable.Range(0, 4).Select(i => i == expectedToken ? 5f : -5f);
        Assert.Equal(expected, Values(projected));
    }

    [Fact]
    public void Sampled_one_hot_never_leaves_the_nucleus_and_sets_exactly_one_token()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var logits = randn([8, 16, 50], generator: generator) * 3;
        var uniforms = rand([8, 16], generator: generator);
        var nucleus = LogitsProjection.Nucleus(logits, 0.7);

        var projected = LogitsProjection.SampledOneHot(logits, 0.7, 5.0, uniforms);

        var selected = projected.eq(5f);
        Assert.True(projected.abs().eq(5f).all().item<bool>(), "values are exactly +-K");
        Assert.True(selected.sum(-1).eq(1).all().item<bool>(), "one +K per position");
        Assert.False(selected.logical_and(nucleus.logical_not()).any().item<bool>(), "selection outside the nucleus");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Projection_rejects_top_p_outside_zero_to_one(double topP)
    {
        using var logits = Logits();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => LogitsProjection.MultiHot(logits, topP, 5.0));
        Assert.Equal("topP", ex.ParamName);
    }

    [Theory]
    [InlineData(0.05, 0.2)]   // nearly flat: the nucleus holds about pV tokens, the most the partial sort allows for
    [InlineData(1.0, 0.2)]
    [InlineData(5.0, 0.2)]    // peaked: a token or a few
    [InlineData(0.05, 0.9)]
    [InlineData(2.0, 0.5)]
    public void Nucleus_over_a_large_vocabulary_is_the_top_p_set_of_a_full_ordering(double scale, double topP)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var logits = randn([2, 8, 3072], generator: generator) * scale;

        var nucleus = LogitsProjection.Nucleus(logits, topP);

        var probs = nn.functional.softmax(logits, -1).data<float>().ToArray();
        var kept = nucleus.data<bool>().ToArray();
        for (int row = 0; row < 16; row++)
        {
            var rowProbs = probs.AsSpan(row * 3072, 3072).ToArray();
            var expected = new bool[3072];
            double before = 0;
            foreach (int token in Enumerable.Range(0, 3072).OrderByDescending(t => rowProbs[t]))
            {
                if (before >= topP)
                {
                    break;
                }

                expected[token] = true;
                before += rowProbs[token];
            }

            Assert.Equal(expected, kept.AsSpan(row * 3072, 3072).ToArray());
        }
    }

    [Fact]
    public void Nucleus_of_a_uniform_distribution_keeps_every_token_whose_mass_before_is_below_p()
    {
        using var logits = zeros(1, 1, 3072);

        using var nucleus = LogitsProjection.Nucleus(logits, 0.2);

        // 614 tokens carry 614 / 3072 = 0.1999 < 0.2, so the 615th is kept and the 616th is not: the largest nucleus
        // any distribution over 3,072 tokens has at p = 0.2.
        Assert.Equal(615, nucleus.sum().item<long>());
    }

    [Theory]
    [InlineData(3072, 0.2)]
    [InlineData(50257, 0.9)]
    [InlineData(8, 0.5)]
    public void Nucleus_size_bound_covers_the_uniform_distribution_and_never_exceeds_the_vocabulary(long vocab, double topP)
    {
        long uniformNucleus = (long)Math.Ceiling(topP * vocab);

        long bound = LogitsProjection.MaxNucleusSize(vocab, topP, ScalarType.Float32);

        Assert.InRange(bound, uniformNucleus, vocab);
    }

    [Fact]
    public void Low_precision_logits_use_the_whole_vocabulary_since_their_cumulative_sums_round_too_coarsely_for_the_bound()
    {
        Assert.Equal(3072, LogitsProjection.MaxNucleusSize(3072, 0.2, ScalarType.BFloat16));
        Assert.True(LogitsProjection.MaxNucleusSize(3072, 0.2, ScalarType.Float32) < 3072 / 4);
    }
}
