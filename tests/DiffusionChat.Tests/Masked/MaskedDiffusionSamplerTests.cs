using DiffusionChat.Sampling;
using static DiffusionChat.Tests.Masked.SamplerTestModels;

namespace DiffusionChat.Tests.Masked;

public class MaskedDiffusionSamplerTests
{
    [Fact]
    public async Task Threshold_decoding_uses_fewer_forward_passes_than_steps_on_a_confident_model()
    {
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 4, ConfidenceThreshold = 0.9, StopAtEndOfSequence = false };

        var fixedRun = await new MaskedDiffusionSampler(Confident(_ => 3)).GenerateAsync(Request(options with { ConfidenceThreshold = null }));
        var parallel = await new MaskedDiffusionSampler(Confident(_ => 3)).GenerateAsync(Request(options));

        Assert.Equal(8, fixedRun.ForwardPasses);
        Assert.Equal(2, parallel.ForwardPasses);
        Assert.Equal(fixedRun.Answers[0], parallel.Answers[0]);
    }

    [Fact]
    public async Task Threshold_decoding_commits_at_least_one_token_per_step_when_nothing_is_confident()
    {
        var model = FixedRows(Enumerable.Repeat(new float[] { 0, 0.5f, 0, 0, 0, 0, 0, 0 }, 4).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 4, BlockLength = 4, StepsPerBlock = 1, ConfidenceThreshold = 0.99 };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options));

        Assert.Equal(4, result.ForwardPasses);
        Assert.Equal([1, 1, 1, 1], result.Answers[0]);
    }

    [Fact]
    public async Task Fixed_schedule_reads_the_device_once_per_block()
    {
        var options = new MaskedSamplerOptions { AnswerLength = 12, BlockLength = 4, StepsPerBlock = 4, StopAtEndOfSequence = false };

        var transfers = new DeviceTransfers();

        var result = await new MaskedDiffusionSampler(Confident(_ => 3), transfers).GenerateAsync(Request(options, 0, [1], [2, 3]));

        Assert.Equal(12, result.ForwardPasses);
        Assert.Equal(3, transfers.Reads);
    }

    [Fact]
    public async Task Threshold_decoding_reads_the_device_at_most_once_per_step()
    {
        var model = FixedRows(Enumerable.Range(0, 8).Select(j => new float[] { 0, j % 2 == 0 ? 9f : 1f, 0, 0, 0, 0, 0, 0 }).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 4, ConfidenceThreshold = 0.9 };

        var transfers = new DeviceTransfers();

        var result = await new MaskedDiffusionSampler(model, transfers).GenerateAsync(Request(options));

        Assert.InRange(result.ForwardPasses, 3, 7);
        Assert.True(transfers.Reads <= result.ForwardPasses, $"{transfers.Reads} reads for {result.ForwardPasses} steps");
    }

    [Fact]
    public async Task Row_stops_after_the_block_that_commits_end_of_sequence_and_drops_it()
    {
        // Answer position 5 (block 1) predicts EOS; every other position predicts 2.
        var model = Confident(p => p - 1 == 5 ? (int)Eos : 2);
        var options = new MaskedSamplerOptions { AnswerLength = 12, BlockLength = 4, StepsPerBlock = 4 };
        var blocks = new List<TokensCommitted>();

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options), blocks.Add);

        Assert.Equal([2, 2, 2, 2, 2], result.Answers[0]);
        Assert.Equal(GenerationFinishReason.EndOfSequence, result.FinishReasons[0]);
        Assert.Equal(8, result.ForwardPasses);
        Assert.Equal(2, blocks.Count);
        Assert.Equal([2], blocks[1].Tokens);
        Assert.True(blocks[1].Ended);
    }

    [Fact]
    public async Task Additional_stop_ids_end_a_row_like_end_of_sequence()
    {
        var model = Confident(p => p - 1 == 2 ? 4 : 2);
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, AdditionalStopTokenIds = [4] };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options));
        var ignored = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options with { StopAtEndOfSequence = false }));

        Assert.Equal([2, 2], result.Answers[0]);
        Assert.Equal(GenerationFinishReason.EndOfSequence, result.FinishReasons[0]);
        Assert.Equal([2, 2, 4, 2, 2, 2, 2, 2], ignored.Answers[0]);
    }

    [Fact]
    public async Task Rows_finish_independently_and_the_batch_runs_until_the_last_row_ends()
    {
        // Row 0's prompt is [1]: EOS at answer position 1. Row 1's prompt is [1, 1]... both left-padded to 2, so the
        // script sees the same columns: use prompt contents instead of positions to tell the rows apart.
        var model = new ScriptedDenoiser(Vocab, Mask, Eos, (ids, _) =>
        {
            long b = ids.shape[0], l = ids.shape[1];
            var values = new float[b * l * Vocab];
            var data = ids.data<long>().ToArray();
            for (int r = 0; r < b; r++)
            {
                bool early = data[r * l + 1] == 4;
                for (int p = 0; p < l; p++)
                {
                    values[(((r * l) + p) * Vocab) + (early && p == 3 ? (int)Eos : 2)] = 20;
                }
            }

            return TorchSharp.torch.tensor(values, [b, l, Vocab]);
        });
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 2, StepsPerBlock = 1 };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options, 0, [1, 4], [1, 5]));

        Assert.Equal([2], result.Answers[0]);
        Assert.Equal(GenerationFinishReason.EndOfSequence, result.FinishReasons[0]);
        Assert.Equal(Enumerable.Repeat(2, 8), result.Answers[1]);
        Assert.Equal(GenerationFinishReason.Length, result.FinishReasons[1]);
    }

    [Fact]
    public async Task Cancellation_between_steps_throws_and_stops_calling_the_model()
    {
        using var cts = new CancellationTokenSource();
        var model = Confident(_ => 3);
        model.OnCall = n =>
        {
            if (n == 2)
            {
                cts.Cancel();
            }
        };
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 8, StepsPerBlock = 8 };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new MaskedDiffusionSampler(model).GenerateAsync(Request(options), cancellationToken: cts.Token));

        Assert.Equal(2, model.Calls);
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public async Task Exact_caches_give_the_uncached_answer(KeyValueCacheMode cache)
    {
        // Every position's prediction depends on every other id, and the model's cached pass takes the ids outside its
        // window from the cache: the answers agree only if each cache holds the prompt and the committed blocks.
        var options = new MaskedSamplerOptions { AnswerLength = 12, BlockLength = 4, StepsPerBlock = 2, StopAtEndOfSequence = false };
        int[] prompt = [1, 2, 3];

        var plain = await new MaskedDiffusionSampler(ReadsTheWholeSequence()).GenerateAsync(Request(options, 0, prompt));
        var cached = await new MaskedDiffusionSampler(ReadsTheWholeSequence()).GenerateAsync(Request(options with { Cache = cache }, 0, prompt));
        var stale = await new MaskedDiffusionSampler(ReadsTheWholeSequence(staleCaches: true)).GenerateAsync(Request(options with { Cache = cache }, 0, prompt));

        Assert.Equal(plain.Answers[0], cached.Answers[0]);
        Assert.Equal(plain.ForwardPasses, cached.ForwardPasses);
        Assert.NotEqual(plain.Answers[0], stale.Answers[0]); // so a cache that missed the committed tokens is caught
    }

    [Fact]
    public async Task Mask_token_is_never_committed_even_when_it_has_the_highest_logit()
    {
        var model = FixedRows(Enumerable.Repeat(new float[] { 0, 1, 0, 0, 0, 0, 0, 9 }, 4).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 4, BlockLength = 4, StepsPerBlock = 2 };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options));

        Assert.Equal([1, 1, 1, 1], result.Answers[0]);
    }
}
