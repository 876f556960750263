using DiffusionChat.Models;
using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>LLaDA's <c>shift_logits</c> variant (Dream's convention): position i is predicted from position i - 1.</summary>
public sealed class ShiftedLogitsTests : IDisposable
{
    private static readonly LladaConfig InPlace = new(32, 4, 2, 2, 64, 400, 10000, 1e-5, 398, 396);

    // Create draws weights from the shapes and the seed only, so both models hold the same weights.
    private readonly LladaDenoiser plain = LladaDenoiser.Create(InPlace, CPU, 11);
    private readonly LladaDenoiser shifted = LladaDenoiser.Create(InPlace with { ShiftLogits = true }, CPU, 11);

    public void Dispose()
    {
        plain.Dispose();
        shifted.Dispose();
    }

    [Fact]
    public void Each_position_is_scored_from_its_left_neighbour_and_the_first_from_itself()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 398, 398, 40, 41, 42 }, [1, 8]);

        var own = plain.Forward(ids);
        var moved = shifted.Forward(ids);

        // The shifted model projects each hidden state at another row of the output matrix, which BLAS may sum in
        // another order: the same values to float32 rounding, not bit for bit.
        Assert.InRange((moved[.., 1..] - own[.., ..7]).abs().max().item<float>(), 0f, 1e-5f);
        Assert.InRange((moved[.., 0] - own[.., 0]).abs().max().item<float>(), 0f, 1e-5f);
        Assert.Equal(own[.., ..7].argmax(-1).data<long>().ToArray(), moved[.., 1..].argmax(-1).data<long>().ToArray());
    }

    [Fact]
    public void Logits_for_a_range_are_the_same_rows_as_for_the_whole_sequence()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 398, 398, 40, 41, 42 }, [1, 8]);
        var all = shifted.Forward(ids);

        // The output layer runs on a [B, 3, d] slice instead of [B, 8, d]: the same rows, but BLAS may pick another
        // kernel for the other shape, so the values agree to float32 rounding, not bit for bit.
        Assert.InRange((shifted.Forward(ids, logitsFor: 3..6) - all[.., 3..6]).abs().max().item<float>(), 0f, 1e-5f);
        Assert.InRange((shifted.Forward(ids, logitsFor: 0..2) - all[.., 0..2]).abs().max().item<float>(), 0f, 1e-5f);
        Assert.Equal(all[.., 3..6].argmax(-1).data<long>().ToArray(), shifted.Forward(ids, logitsFor: 3..6).argmax(-1).data<long>().ToArray());
    }

    [Fact]
    public void Training_logits_are_shifted_like_the_inference_ones()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 398, 398, 40 }, [1, 6]);
        using (no_grad())
        {
            var training = shifted.TrainingLogits(ids, ones(1, 6, ScalarType.Bool));
            var inference = shifted.Forward(ids);

            // Training attends with an explicit all-valid mask, inference without one: another attention kernel, so
            // the logits agree to float32 rounding, and the shift shows as the same predicted tokens.
            Assert.InRange((training - inference).abs().max().item<float>(), 0f, 1e-5f);
            Assert.Equal(inference.argmax(-1).data<long>().ToArray(), training.argmax(-1).data<long>().ToArray());
        }
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public void A_cached_window_over_the_unchanged_sequence_gives_the_full_pass_logits(KeyValueCacheMode mode)
    {
        Assert.True(shifted.SupportsKeyValueCache);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 5, 17, 3, 398, 398, 40, 41, 42, 398, 398 }, [1, 10]);

        var full = shifted.ForwardWithCache(ids, null, null, out var cache);
        using (cache)
        {
            int windowEnd = mode == KeyValueCacheMode.Prefix ? 10 : 7;
            var window = shifted.ForwardWindow(ids[.., 3..windowEnd], 3, cache, logitsFor: ..4);

            // Position 3 is scored from the kept state of position 2, outside the window.
            Assert.InRange((window - full[.., 3..7]).abs().max().item<float>(), 0f, 1e-5f);
        }
    }

    [Fact]
    public async Task The_sampler_runs_a_shifted_model_with_a_cache()
    {
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 4, Cache = KeyValueCacheMode.Dual, StopAtEndOfSequence = false };

        var result = await new MaskedDiffusionSampler(shifted).GenerateAsync(new MaskedGenerationRequest([[5, 17, 3]], options));

        Assert.Equal(8, result.Answers[0].Count);
        Assert.Equal(8, result.ForwardPasses);
    }

    [Fact]
    public void The_flag_is_written_to_and_read_from_config_json()
    {
        Assert.True((bool)(InPlace with { ShiftLogits = true }).ToJson(null, 64)["shift_logits"]!);
        Assert.False((bool)InPlace.ToJson(null, 64)["shift_logits"]!);
    }
}
