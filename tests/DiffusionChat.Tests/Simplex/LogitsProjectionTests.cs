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
}
