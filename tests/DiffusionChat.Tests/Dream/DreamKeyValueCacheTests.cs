using DiffusionChat.Checkpoints;
using DiffusionChat.Models;
using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Dream;

/// <summary>
/// Fast-dLLM's prefix and dual caches on Dream (shifted logits: position i is scored from the state at i - 1), on the
/// tiny Dream fixture model. There is no reference fixture for Dream's caches, so parity is by construction: a cached
/// window over the sequence the cache was built from must give the full pass's logits.
/// </summary>
public sealed class DreamKeyValueCacheTests : IDisposable
{
    private readonly DreamDenoiser model;

    public DreamKeyValueCacheTests()
    {
        using var checkpoint = CheckpointFolder.Open(GoldenPaths.Folder("dream"));
        model = DreamDenoiser.Load(checkpoint, CPU);
    }

    public void Dispose() => model.Dispose();

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix, 6, 10)]
    [InlineData(KeyValueCacheMode.Dual, 6, 10)]
    [InlineData(KeyValueCacheMode.Dual, 10, 14)]
    [InlineData(KeyValueCacheMode.Prefix, 0, 4)]
    public void A_window_over_the_unchanged_sequence_gives_the_full_pass_logits_of_the_block(KeyValueCacheMode mode, int start, int end)
    {
        using var scope = NewDisposeScope();
        var ids = Sequence();

        var full = model.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            int windowEnd = mode == KeyValueCacheMode.Prefix ? 16 : end;
            var window = model.ForwardWindow(ids[.., start..windowEnd], start, cache, logitsFor: ..(end - start));

            Assert.InRange(MaxAbs(full[.., start..end], window), 0, 1e-5);
            Assert.InRange(MaxAbs(model.Forward(ids), full), 0, 1e-6);
        }
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public void A_left_padded_batch_window_gives_the_full_pass_logits_of_the_block(KeyValueCacheMode mode)
    {
        using var scope = NewDisposeScope();
        // Row 1 is left-padded by two positions, as the sampler pads a batch: mask out the padding, count positions without it.
        var ids = Sequence();
        ids[1, 0] = ids[1, 1] = model.PadTokenId!.Value;
        var attention = ones(2, 16, ScalarType.Bool);
        attention[1, 0] = attention[1, 1] = false;
        var positions = stack([arange(16, dtype: int64), cat([zeros(2, dtype: int64), arange(14, dtype: int64)])]);

        var full = model.ForwardWithCache(ids, attention, positions, out var cache);
        using (cache)
        {
            int windowEnd = mode == KeyValueCacheMode.Prefix ? 16 : 12;
            var window = model.ForwardWindow(ids[.., 8..windowEnd], 8, cache, attention, positions, logitsFor: ..4);

            Assert.InRange(MaxAbs(full[.., 8..12], window), 0, 1e-5);
        }
    }

    [Fact]
    public void The_first_position_of_a_window_is_scored_from_the_kept_state_before_the_window()
    {
        using var scope = NewDisposeScope();
        var ids = Sequence();
        var decoder = model.DecoderLogits(ids);

        _ = model.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            var window = model.ForwardWindow(ids[.., 6..10], 6, cache);

            // Position 6 is predicted by the decoder's state at 5, which lies outside the window.
            Assert.InRange(MaxAbs(decoder[.., 5..9], window), 0, 1e-5);
            Assert.True(MaxAbs(decoder[.., 6..7], window[.., 0..1]) > 1e-3, "the window's own first state predicts the next position, not this one");
        }
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public void A_stale_cache_gives_other_logits_than_the_full_pass(KeyValueCacheMode mode)
    {
        using var scope = NewDisposeScope();
        var built = Sequence();
        var later = built.clone();
        // Dual: a later block's tokens change but their cached keys/values do not. Prefix: the last prompt position
        // changes, whose kept state scores the block's first position.
        if (mode == KeyValueCacheMode.Dual)
        {
            later[.., 12..] = 7;
        }
        else
        {
            later[.., 5] = 7;
        }

        _ = model.ForwardWithCache(built, null, null, out var cache);
        using (cache)
        {
            int windowEnd = mode == KeyValueCacheMode.Prefix ? 16 : 10;
            var stale = model.ForwardWindow(later[.., 6..windowEnd], 6, cache, logitsFor: ..4);
            var fresh = model.Forward(later)[.., 6..10];

            Assert.True(MaxAbs(stale, fresh) > 1e-3, "the cached keys/values and state must be what the window reads");
        }
    }

    [Fact]
    public void A_cache_without_the_kept_states_is_refused_for_a_window_after_position_zero()
    {
        using var scope = NewDisposeScope();
        var ids = Sequence();
        _ = model.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            // The same keys/values without the final states, as a non-shifted model's cache would hold.
            var layers = Enumerable.Range(0, cache.LayerCount).Select(i => (cache.Layer(i).Keys.clone(), cache.Layer(i).Values.clone()));
            using var bare = new KeyValueCache(layers);

            var ex = Assert.Throws<ArgumentException>(() => model.ForwardWindow(ids[.., 6..10], 6, bare));
            Assert.Contains("ForwardWithCache", ex.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public async Task The_masked_sampler_runs_dream_with_a_cache_and_threshold_decoding(KeyValueCacheMode mode)
    {
        var options = new MaskedSamplerOptions
        {
            AnswerLength = 16, BlockLength = 8, StepsPerBlock = 8, Cache = mode, ConfidenceThreshold = 0.05,
            Remasking = RemaskingStrategy.Entropy, StopAtEndOfSequence = false,
        };
        var counting = new Client.CallKindCountingDenoiser(model);

        var result = await new MaskedDiffusionSampler(counting).GenerateAsync(new MaskedGenerationRequest([[55, 98, 99, 12]], options));

        Assert.Equal(16, result.Answers[0].Count);
        Assert.DoesNotContain((int)model.MaskTokenId, result.Answers[0]);
        Assert.Equal(0, counting.FullPasses);
        Assert.Equal(2, counting.CacheBuilds); // one per block
        Assert.Equal(result.ForwardPasses, counting.CacheBuilds + counting.WindowPasses);
        Assert.InRange(result.ForwardPasses, 2, 15); // several tokens per pass: fewer passes than the 16 tokens
    }

    private static Tensor Sequence() => randint(0, 158, [2, 16], generator: new Generator(3, CPU), dtype: int64);

    private static double MaxAbs(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }
}
