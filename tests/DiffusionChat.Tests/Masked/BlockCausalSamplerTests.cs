using DiffusionChat.Models;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// The block-causal sampler on a tiny random block-causal LLaDA with <c>shift_logits</c> (attention blocks of 4): the
/// answer grows block by block against an exact cache and never depends on its length.
/// </summary>
public sealed class BlockCausalSamplerTests : IDisposable
{
    private static readonly int[] Aligned = [101, 102, 103, 104, 105, 106, 107, 108];
    private static readonly int[] Tail3 = [201, 202, 203, 204, 205, 206, 207];
    private static readonly int[] Short = [301, 302];
    private static readonly int[] Tail1 = [401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413];

    private readonly TinyBlockCausalFolder folder = new();
    private readonly IMaskedDenoiser model;

    public BlockCausalSamplerTests() => model = DiffusionModel.Load(folder.Directory, CPU);

    public void Dispose()
    {
        model.Dispose();
        folder.Dispose();
    }

    private static MaskedSamplerOptions Greedy(int answerLength, int block = 4, int steps = 4) =>
        new() { AnswerLength = answerLength, BlockLength = block, StepsPerBlock = steps, StopAtEndOfSequence = false };

    [Fact]
    public void The_answer_does_not_depend_on_the_answer_length()
    {
        var sampler = new BlockCausalSampler(model);
        var answers = new[] { 32, 64, 128, 256, 512 }
            .Select(n => sampler.Generate(new MaskedGenerationRequest([Tail3], Greedy(n)), null, null, default).Answers[0])
            .ToList();

        var longest = answers[^1];
        Assert.Equal(512, longest.Count);
        foreach (var answer in answers)
        {
            Assert.Equal(longest.Take(answer.Count), answer);
        }
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    [InlineData(8, 8)]
    [InlineData(2, 2)]
    [InlineData(6, 3)]
    [InlineData(3, 3)]
    public void Each_row_equals_a_full_canvas_decoding_of_the_same_blocks(int block, int steps)
    {
        // The reference pays for every trailing mask in every pass; block-causal attention makes them invisible.
        var prompts = new[] { Aligned, Tail3, Short, Tail1 };
        var result = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest(prompts, Greedy(24, block, steps)), null, null, default);

        for (int r = 0; r < prompts.Length; r++)
        {
            Assert.Equal(FullCanvasReference(prompts[r], block, steps, 24), result.Answers[r]);
        }
    }

    [Fact]
    public void An_aligned_prompt_decodes_as_the_whole_window_sampler_does()
    {
        // With the prompt ending on a block boundary both samplers decode the same blocks.
        var options = Greedy(16);
        var windowed = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Aligned, [.. Aligned.Reverse()]], options), null, null, default);
        var whole = new MaskedDiffusionSampler(model).Generate(new MaskedGenerationRequest([Aligned, [.. Aligned.Reverse()]], options), null, null, null, default);

        Assert.Equal(whole.Answers, windowed.Answers);
        Assert.Equal(whole.ForwardPasses, windowed.ForwardPasses);
    }

    [Theory]
    [InlineData(4, 16)]
    [InlineData(2, 8)]
    [InlineData(1, 4)]
    public void A_block_costs_its_steps_and_one_read(int steps, int passes)
    {
        // Four blocks of 4; the prompt and every finished block enter the cache inside the next block's first pass.
        var transfers = new DeviceTransfers();
        var result = new BlockCausalSampler(model, transfers).Generate(new MaskedGenerationRequest([Aligned], Greedy(16, 4, steps)), null, null, default);

        Assert.Equal(passes, result.ForwardPasses);
        Assert.Equal(4, transfers.Reads);
    }

    [Fact]
    public void The_block_a_prompt_ends_in_steps_in_proportion_to_its_masks()
    {
        // Blocks of 8 at 4 steps (2 tokens per pass); the prompt leaves 3 masks in its last block: 2 passes, not 4.
        var result = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Tail1], Greedy(19, 8, 4)), null, null, default);

        Assert.Equal(2 + 4 + 4, result.ForwardPasses);
        Assert.Equal(19, result.Answers[0].Count);
    }

    [Fact]
    public void A_pass_computes_only_the_current_block_and_the_block_it_finishes()
    {
        using var recording = new ColumnRecordingDenoiser(model);
        new BlockCausalSampler(recording).Generate(new MaskedGenerationRequest([Aligned], Greedy(512, 4, 2)), null, null, default);
        var widths = recording.Columns;

        // First pass: the prompt's two blocks and the first answer block; then [finished block, next block], block.
        Assert.Equal(12, widths[0]);
        Assert.Equal(4, widths[1]);
        Assert.All(widths.Skip(2).Chunk(2), pair => Assert.Equal([8L, 4L], pair));
    }

    [Fact]
    public void A_row_that_asks_to_stop_takes_no_further_passes()
    {
        using var counting = new PassCountingDenoiser(model);
        var request = new MaskedGenerationRequest([Tail3, Aligned], Greedy(16)) { StopRequested = row => row == 0 };

        var result = new BlockCausalSampler(counting).Generate(request, null, null, default);

        Assert.Equal(GenerationFinishReason.Stopped, result.FinishReasons[0]);
        Assert.Single(result.Answers[0]); // its first block held 3 prompt tokens and one answer position
        Assert.Equal(GenerationFinishReason.Length, result.FinishReasons[1]);

        // The remaining row's cache rows (keys, values and the final states shift_logits reads) were kept intact.
        Assert.Equal(new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Aligned], Greedy(16)), null, null, default).Answers[0], result.Answers[1]);
        // One pass for the block both prompts end in (row 0's one mask), then row 1's four blocks alone.
        Assert.Equal(2L, counting.RowsPerPass[0]);
        Assert.All(counting.RowsPerPass.Skip(1), rows => Assert.Equal(1L, rows));
        Assert.Equal(17, result.ForwardPasses);
    }

    [Fact]
    public void A_row_that_meets_its_end_of_sequence_leaves_the_batch()
    {
        // Whatever the first answer block commits first becomes a stop id: the row ends in that block.
        var first = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Aligned], Greedy(4)), null, null, default).Answers[0][0];
        using var counting = new PassCountingDenoiser(model);
        var options = Greedy(16) with { StopAtEndOfSequence = true, AdditionalStopTokenIds = [first] };

        var result = new BlockCausalSampler(counting).Generate(new MaskedGenerationRequest([Aligned, Short], options), null, null, default);

        Assert.Equal(GenerationFinishReason.EndOfSequence, result.FinishReasons[0]);
        Assert.Empty(result.Answers[0]);
        // The short prompt's last block (2 passes), the first answer block of both (4 passes), then one row at most.
        Assert.All(counting.RowsPerPass.Take(6), rows => Assert.Equal(2L, rows));
        Assert.All(counting.RowsPerPass.Skip(6), rows => Assert.True(rows <= 1));
    }

    [Fact]
    public void Batched_rows_decode_as_they_do_alone()
    {
        var prompts = new[] { Tail3, Aligned, Short, Tail1 };
        var sampler = new BlockCausalSampler(model);
        foreach (var options in new[] { Greedy(20), Greedy(20, 4, 2) with { Temperature = 0.8, TopK = 50 }, Greedy(20, 8, 8) with { ConfidenceThreshold = 0.5 } })
        {
            var seeds = new ulong[] { 11, 12, 13, 14 };
            var batch = sampler.Generate(new MaskedGenerationRequest(prompts, options) { RowSeeds = seeds }, null, null, default);
            for (int r = 0; r < prompts.Length; r++)
            {
                var alone = sampler.Generate(new MaskedGenerationRequest([prompts[r]], options) { RowSeeds = [seeds[r]] }, null, null, default);
                Assert.Equal(alone.Answers[0], batch.Answers[r]);
            }
        }
    }

    [Fact]
    public void Threshold_decoding_commits_at_least_one_position_per_pass_and_reads_once_per_pass()
    {
        var transfers = new DeviceTransfers();
        var options = Greedy(16) with { ConfidenceThreshold = 1.0 };

        var result = new BlockCausalSampler(model, transfers).Generate(new MaskedGenerationRequest([Aligned], options), null, null, default);

        // Nothing reaches probability 1 on a random model: one position per pass, as the fixed schedule at 4 steps.
        Assert.Equal(16, result.ForwardPasses);
        Assert.Equal(16, transfers.Reads);
        Assert.Equal(new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Aligned], Greedy(16)), null, null, default).Answers[0], result.Answers[0]);
    }

    [Fact]
    public async Task Cancellation_is_honoured_between_passes()
    {
        using var counting = new PassCountingDenoiser(model);
        using var cancel = new CancellationTokenSource();
        counting.AfterPass = passes =>
        {
            if (passes == 3)
            {
                cancel.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new BlockCausalSampler(counting).GenerateAsync(new MaskedGenerationRequest([Aligned], Greedy(64)), cancellationToken: cancel.Token));
        Assert.Equal(3, counting.RowsPerPass.Count);
    }

    [Fact]
    public void Streamed_blocks_and_steps_name_answer_positions()
    {
        var blocks = new List<TokensCommitted>();
        var steps = new List<StepCommittedEvent>();
        var result = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Tail3], Greedy(9) with { ReportSteps = true }), blocks.Add, steps.Add, default);

        // The prompt ends 1 position into a block: blocks of 1, 4 and 4 answer tokens.
        Assert.Equal([1, 4, 4], blocks.Select(b => b.Tokens.Count));
        Assert.Equal([0, 1, 2], blocks.Select(b => b.Block));
        Assert.Equal(result.Answers[0], blocks.SelectMany(b => b.Tokens));
        Assert.Equal(Enumerable.Range(0, 9), steps.SelectMany(s => s.Positions).Order());
    }

    [Fact]
    public void Repeated_decoding_leaves_no_live_tensors_behind()
    {
        // Rows ending early (a stop id, a stop request) exercise the compaction of canvas, cache and draws.
        var sampler = new BlockCausalSampler(model);
        var requests = new[]
        {
            new MaskedGenerationRequest([Tail3, Short, Tail1], Greedy(12) with { ReportSteps = true }) { StopRequested = row => row == 1 },
            new MaskedGenerationRequest([Aligned, Tail3], Greedy(12, 8, 4) with { Temperature = 0.7, TopP = 0.9, StopAtEndOfSequence = true, AdditionalStopTokenIds = [1138, 2053] }),
            new MaskedGenerationRequest([Short, Aligned], Greedy(12, 2, 2) with { ConfidenceThreshold = 0.2 }),
        };
        SamplerRequests.AssertNoLiveTensorsLeft(sampler, requests);
    }

    [Fact]
    public void Bidirectional_models_and_fast_dllm_caches_are_refused_with_a_reason()
    {
        using var bidirectionalFolder = new TinyBlockCausalFolder(blockSize: null);
        using var bidirectional = DiffusionModel.Load(bidirectionalFolder.Directory, CPU);

        Assert.Contains("block-causal", Assert.Throws<ArgumentException>(() => new BlockCausalSampler(bidirectional)).Message, StringComparison.Ordinal);
        var cache = Assert.Throws<ArgumentException>(() => new BlockCausalSampler(model).Generate(new MaskedGenerationRequest([Aligned], Greedy(8) with { Cache = KeyValueCacheMode.Dual }), null, null, default));
        Assert.Contains("Dual", cache.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Decodes a prompt alone over a canvas holding every answer position from the start (each pass computes the whole
    /// canvas), blocks aligned to the positions, LLaDA's low-confidence schedule over each block's masks.
    /// </summary>
    private List<int> FullCanvasReference(int[] prompt, int block, int steps, int answerLength)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int p = prompt.Length, end = (p + answerLength + block - 1) / block * block;
        long mask = model.MaskTokenId;
        var x = tensor(prompt.Select(t => (long)t).Concat(Enumerable.Repeat(mask, end - p)).ToArray(), [1, end]);
        for (int start = p / block * block; start < end; start += block)
        {
            // The block the prompt ends in steps in proportion to its masks (the tokens per step of a whole block).
            int masked = Math.Min(block, start + block - p);
            int blockSteps = Math.Min(masked, (int)Math.Ceiling((double)steps * masked / block));
            var schedule = TransferSchedule.Linear(masked, blockSteps);
            for (int step = 0; step < blockSteps; step++)
            {
                var logits = model.Forward(x)[0, start..(start + block)].to(float64);
                var probabilities = logits.softmax(-1);
                logits[.., mask] = double.NegativeInfinity;
                var tokens = logits.argmax(-1);
                var confidence = probabilities.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
                var candidates = x[0, start..(start + block)].eq(mask);
                confidence = confidence.masked_fill(candidates.logical_not(), double.NegativeInfinity);
                var order = confidence.sort(-1, descending: true, stable: true).Indices;
                for (int k = 0; k < schedule[step]; k++)
                {
                    long j = order[k].item<long>();
                    x[0, start + j] = tokens[j];
                }
            }
        }

        return x[0, p..(p + answerLength)].data<long>().Select(t => (int)t).ToList();
    }
}
