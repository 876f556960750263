using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Simplex;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

/// <summary>The simplex sampler over our LLaMA-style denoiser: the same guarantees it gives over the SSD-LM layout.</summary>
public class SimplexLlamaSamplerTests(TinySimplexLlama tiny) : IClassFixture<TinySimplexLlama>
{
    private static readonly int[][] Prompts = [[5, 17, 42, 8], [33, 9], []];

    private SimplexGeneration Run(SimplexSamplerOptions options, IReadOnlyList<IReadOnlyList<int>> prompts, ulong[] seeds, DeviceTransfers? transfers = null, bool selfConditioned = false)
    {
        using var noise = tiny.Noise(seeds);
        return new SimplexSampler(tiny.Pick(selfConditioned), options, transfers).Generate(prompts, noise);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sampler_over_the_llama_denoiser_is_deterministic_per_seed(bool selfConditioned)
    {
        var first = Run(TinySimplexLlama.FastOptions, Prompts, [1, 2, 3], selfConditioned: selfConditioned);
        var second = Run(TinySimplexLlama.FastOptions, Prompts, [1, 2, 3], selfConditioned: selfConditioned);
        var other = Run(TinySimplexLlama.FastOptions, Prompts, [101, 102, 103], selfConditioned: selfConditioned);

        Assert.Equal(first.Rows.Select(r => r.TokenIds), second.Rows.Select(r => r.TokenIds));
        Assert.NotEqual(first.Rows.Select(r => r.TokenIds), other.Rows.Select(r => r.TokenIds));
        Assert.All(first.Rows, r => Assert.Equal(12, r.TokenIds.Count));
    }

    [Theory]
    [InlineData(SimplexProjection.TopPMultiHot, false)]
    [InlineData(SimplexProjection.TopPSampledOneHot, false)]
    [InlineData(SimplexProjection.TopPMultiHot, true)]
    public void Row_in_a_padded_batch_decodes_as_it_does_alone(SimplexProjection projection, bool selfConditioned)
    {
        var options = TinySimplexLlama.FastOptions with { Projection = projection };
        ulong[] seeds = [11, 12, 13];

        var batch = Run(options, Prompts, seeds, selfConditioned: selfConditioned);

        for (int row = 0; row < Prompts.Length; row++)
        {
            var alone = Run(options, [Prompts[row]], [seeds[row]], selfConditioned: selfConditioned);
            Assert.Equal(alone.Rows[0].TokenIds, batch.Rows[row].TokenIds);
        }
    }

    [Fact]
    public void Padded_rows_score_the_block_as_they_do_alone_including_a_row_without_context()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var noisy = randn([3, 4, 64], generator: generator) * 5;
        var t = tensor(new[] { 4f, 4f, 4f });
        // Left-padded contexts [5 17 42 8], [_ _ 33 9], [_ _ _ _].
        var context = tensor(new long[] { 5, 17, 42, 8, 63, 63, 33, 9, 63, 63, 63, 63 }, [3, 4]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1 }, [3, 8]);

        var batch = tiny.Model.EquivalentScore(context, noisy, t, 6, mask);

        long[][] alone = [[5, 17, 42, 8], [33, 9], []];
        for (int row = 0; row < 3; row++)
        {
            var ids = tensor(alone[row], [1, alone[row].Length]);
            var single = tiny.Model.EquivalentScore(ids, noisy[row].unsqueeze(0), t[row].unsqueeze(0), 6);
            Assert.True((single[0] - batch[row]).abs().max().item<float>() < 1e-5, $"row {row}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sampler_reads_the_device_once_per_block(bool selfConditioned)
    {
        var transfers = new DeviceTransfers();

        var result = Run(TinySimplexLlama.FastOptions, Prompts, [4, 5, 6], transfers, selfConditioned);

        Assert.Equal(3, result.BlocksDecoded);
        Assert.Equal(3, transfers.Reads);
    }

    [Fact]
    public void Sampler_stops_a_row_after_the_block_with_end_of_sequence()
    {
        var free = Run(TinySimplexLlama.FastOptions, [Prompts[0]], [21]);
        var tokens = free.Rows[0].TokenIds.ToList();
        var stop = tokens.Skip(4).First(id => !tokens.Take(4).Contains(id)); // first met in the second block

        var stopped = Run(TinySimplexLlama.FastOptions with { EndOfSequenceTokenId = stop }, [Prompts[0]], [21]);

        Assert.True(stopped.Rows[0].EndOfSequence);
        Assert.Equal(tokens.TakeWhile(id => id != stop), stopped.Rows[0].TokenIds);
        Assert.Equal(2, stopped.BlocksDecoded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sampler_over_the_llama_denoiser_leaves_no_live_tensors_behind(bool selfConditioned)
    {
        Run(TinySimplexLlama.FastOptions, Prompts, [1, 2, 3], selfConditioned: selfConditioned);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 5; i++)
        {
            Run(TinySimplexLlama.FastOptions with { Projection = SimplexProjection.TopPSampledOneHot }, Prompts, [1, 2, 3], selfConditioned: selfConditioned);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_self_conditioned_model_scores_a_first_step_as_without_self_conditioning_and_reads_a_previous_prediction()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(8);
        var context = tensor(new long[] { 5, 17, 42 }, [1, 3]);
        var noisy = randn([1, 4, 64], generator: generator) * 5;
        var previous = randn([1, 4, 64], generator: generator) * 5;
        var t = tensor(new[] { 3f });

        var plain = tiny.Model.EquivalentScore(context, noisy, t, 6);
        var first = tiny.SelfConditioned.EquivalentScore(context, noisy, t, 6, attentionMask: null, previousScore: null);
        var later = tiny.SelfConditioned.EquivalentScore(context, noisy, t, 6, attentionMask: null, previousScore: previous);

        Assert.Equal(0f, (first - plain).abs().max().item<float>());
        Assert.True((later - plain).abs().max().item<float>() > 1e-3, "the previous prediction should change the score");
        var refused = Assert.Throws<InvalidOperationException>(() => tiny.Model.EquivalentScore(context, noisy, t, 6, attentionMask: null, previousScore: previous));
        Assert.Contains("self_conditioning false", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sampler_passes_each_step_its_previous_prediction_when_the_model_is_self_conditioned()
    {
        // Same weights, same noise: only the previous predictions the sampler feeds back can make the answers differ.
        var plain = Run(TinySimplexLlama.FastOptions, Prompts, [31, 32, 33]);
        var conditioned = Run(TinySimplexLlama.FastOptions, Prompts, [31, 32, 33], selfConditioned: true);

        Assert.NotEqual(plain.Rows.Select(r => r.TokenIds), conditioned.Rows.Select(r => r.TokenIds));
    }

    [Fact]
    public void Inputs_of_the_wrong_shape_or_too_long_are_refused_naming_the_sizes()
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { 1f });

        var vocab = Assert.Throws<ArgumentException>(() => tiny.Model.EquivalentScore(zeros([1, 2], ScalarType.Int64), zeros(1, 4, 10), t, 6));
        var length = Assert.Throws<ArgumentException>(() => tiny.Model.EquivalentScore(zeros([1, 62], ScalarType.Int64), zeros(1, 4, 64), t, 6));

        Assert.Contains("[B, L >= 1, 64]", vocab.Message, StringComparison.Ordinal);
        Assert.Contains("66 positions exceed the model's 64", length.Message, StringComparison.Ordinal);
    }
}
