using DiffusionChat.Sampling.Simplex;
using Moq;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

public class NoiseSourceTests(TinySsdLm tiny) : IClassFixture<TinySsdLm>
{
    [Fact]
    public void Generator_rows_draw_independently_of_the_batch()
    {
        using var scope = NewDisposeScope();
        using var pair = new GeneratorNoiseSource(CPU, [3, 4]);
        using var single = new GeneratorNoiseSource(CPU, [4]);

        var batch = pair.NextNormal(2, 3, 5, CPU);
        var alone = single.NextNormal(1, 3, 5, CPU);

        Assert.True(batch[1].equal(alone[0]).all().item<bool>());
    }

    [Fact]
    public void Generator_source_rejects_a_request_for_other_rows()
    {
        using var source = new GeneratorNoiseSource(CPU, [1, 2]);

        var ex = Assert.Throws<ArgumentException>(() => source.NextNormal(3, 1, 1, CPU));
        Assert.Contains("2 row seed(s) but 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_returns_recorded_draws_in_order_and_says_when_they_run_out()
    {
        using var scope = NewDisposeScope();
        var recorded = arange(2 * 1 * 2 * 3, dtype: ScalarType.Float32).reshape(2, 1, 2, 3);
        var replay = new ReplayNoiseSource(recorded);

        Assert.True(replay.NextNormal(1, 2, 3, CPU).equal(recorded[0]).all().item<bool>());
        Assert.True(replay.NextNormal(1, 2, 3, CPU).equal(recorded[1]).all().item<bool>());
        var ex = Assert.Throws<InvalidOperationException>(() => replay.NextNormal(1, 2, 3, CPU));
        Assert.Contains("exhausted after 2 draws", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_without_uniforms_cannot_feed_the_sampled_projection()
    {
        using var scope = NewDisposeScope();
        var replay = new ReplayNoiseSource(zeros(1, 1, 1, 1));

        Assert.Throws<InvalidOperationException>(() => replay.NextUniform(1, 1, CPU));
    }

    [Fact]
    public void Sampler_rejects_a_noise_source_that_returns_the_wrong_shape()
    {
        var noise = new Mock<INoiseSource>();
        noise.Setup(n => n.NextNormal(It.IsAny<int>(), It.IsAny<int>(), It.IsAny<int>(), It.IsAny<Device>()))
            .Returns(() => zeros(1, 1, 1));
        var sampler = new SimplexSampler(tiny.Model, TinySsdLm.FastOptions);

        var ex = Assert.Throws<InvalidOperationException>(() => sampler.Generate([[5, 6]], noise.Object));
        Assert.Contains("[1, 1, 1] draw where [1, 4, 100]", ex.Message, StringComparison.Ordinal);
    }
}
