using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Simplex;
using TorchSharp;

namespace DiffusionChat.Tests.Simplex;

public class SimplexSamplerTests(TinySsdLm tiny) : IClassFixture<TinySsdLm>
{
    private static readonly int[][] Prompts = [[5, 17, 42, 8], [63, 9], []];

    private SimplexGeneration Run(SimplexSamplerOptions options, IReadOnlyList<IReadOnlyList<int>> prompts, ulong[] seeds,
        Action<TokensCommitted>? onBlock = null, CancellationToken cancellationToken = default)
    {
        using var noise = tiny.Noise(seeds);
        return new SimplexSampler(tiny.Model, options).Generate(prompts, noise, onBlock, cancellationToken);
    }

    [Fact]
    public void Sampler_is_deterministic_per_seed()
    {
        var first = Run(TinySsdLm.FastOptions, Prompts, [1, 2, 3]);
        var second = Run(TinySsdLm.FastOptions, Prompts, [1, 2, 3]);
        var other = Run(TinySsdLm.FastOptions, Prompts, [101, 102, 103]);

        Assert.Equal(first.Rows.Select(r => r.TokenIds), second.Rows.Select(r => r.TokenIds));
        Assert.NotEqual(first.Rows.Select(r => r.TokenIds), other.Rows.Select(r => r.TokenIds));
        Assert.All(first.Rows, r => Assert.Equal(12, r.TokenIds.Count));
    }

    [Theory]
    [InlineData(SimplexProjection.TopPMultiHot)]
    [InlineData(SimplexProjection.TopPSampledOneHot)]
    public void Row_in_a_padded_batch_decodes_as_it_does_alone(SimplexProjection projection)
    {
        var options = TinySsdLm.FastOptions with { Projection = projection };
        ulong[] seeds = [11, 12, 13];

        var batch = Run(options, Prompts, seeds);

        for (int row = 0; row < Prompts.Length; row++)
        {
            var alone = Run(options, [Prompts[row]], [seeds[row]]);
            Assert.Equal(alone.Rows[0].TokenIds, batch.Rows[row].TokenIds);
        }
    }

    [Fact]
    public void Sampler_reads_the_device_once_per_block()
    {
        var transfers = new DeviceTransfers();
        var sampler = new SimplexSampler(tiny.Model, TinySsdLm.FastOptions, transfers);
        using var noise = tiny.Noise(4, 5, 6);

        var result = sampler.Generate(Prompts, noise);

        Assert.Equal(3, result.BlocksDecoded);
        Assert.Equal(3, transfers.Reads);
    }

    [Fact]
    public void Sampler_reports_every_block_of_every_row_in_order()
    {
        var events = new List<TokensCommitted>();

        var result = Run(TinySsdLm.FastOptions, Prompts, [7, 8, 9], events.Add);

        Assert.Equal(9, events.Count);
        Assert.Equal([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)], events.Select(e => (e.Block, e.Row)));
        for (int row = 0; row < 3; row++)
        {
            Assert.Equal(result.Rows[row].TokenIds, events.Where(e => e.Row == row).SelectMany(e => e.Tokens));
        }
    }

    [Fact]
    public void Sampler_stops_a_row_after_the_block_with_end_of_sequence_and_drops_it_and_what_follows()
    {
        var free = Run(TinySsdLm.FastOptions, [Prompts[0]], [21]);
        var tokens = free.Rows[0].TokenIds.ToList();
        // An id that first appears inside the second block, so the stop is visibly mid-run.
        int position = Enumerable.Range(4, 4).First(i => tokens.IndexOf(tokens[i]) == i);
        var events = new List<TokensCommitted>();

        var stopped = Run(TinySsdLm.FastOptions with { EndOfSequenceTokenId = tokens[position] }, [Prompts[0]], [21], events.Add);

        Assert.Equal(tokens.Take(position), stopped.Rows[0].TokenIds);
        Assert.True(stopped.Rows[0].EndOfSequence);
        Assert.Equal(2, stopped.BlocksDecoded);
        Assert.True(events[^1].Ended);
        Assert.Equal(tokens.Skip(4).Take(position - 4), events[^1].Tokens);
    }

    [Fact]
    public void Sampler_without_end_of_sequence_runs_all_blocks()
    {
        var result = Run(TinySsdLm.FastOptions, [Prompts[1]], [3]);

        Assert.False(result.Rows[0].EndOfSequence);
        Assert.Equal(3, result.BlocksDecoded);
    }

    [Fact]
    public void Sampler_cancels_between_steps()
    {
        using var cts = new CancellationTokenSource();
        var blocks = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => Run(TinySsdLm.FastOptions, Prompts, [1, 2, 3],
            _ => { blocks++; cts.Cancel(); }, cts.Token));
        Assert.Equal(3, blocks); // the three rows of block 0, then no further step ran
    }

    [Fact]
    public void Sampler_does_not_start_when_already_cancelled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var transfers = new DeviceTransfers();
        var sampler = new SimplexSampler(tiny.Model, TinySsdLm.FastOptions, transfers);
        using var noise = tiny.Noise(1);

        Assert.ThrowsAny<OperationCanceledException>(() => sampler.Generate([Prompts[0]], noise, cancellationToken: cts.Token));
        Assert.Equal(0, transfers.Reads + transfers.Uploads);
    }

    [Fact]
    public void Sampler_rejects_a_token_outside_the_vocabulary()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run(TinySsdLm.FastOptions, [[1, 100]], [1]));

        Assert.Contains("100", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0..99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampler_rejects_prompt_and_blocks_longer_than_the_positions()
    {
        var ex = Assert.Throws<ArgumentException>(() => Run(TinySsdLm.FastOptions with { MaxBlocks = 9 }, [[1, 2, 3]], [1]));

        Assert.Contains("39 positions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("38", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampler_with_drop_oldest_decodes_an_overlong_prompt_from_its_latest_tokens()
    {
        var options = TinySsdLm.FastOptions with { ContextOverflow = SimplexContextOverflow.DropOldest };
        var longPrompt = Enumerable.Range(0, 45).Select(i => 3 + (i * 7 % 90)).ToArray();
        var latest = longPrompt[^34..]; // 38 positions minus one block of 4

        var batch = Run(options, [longPrompt, Prompts[1]], [5, 6]);
        var fromLatest = Run(options, [latest], [5]);

        Assert.Equal(fromLatest.Rows[0].TokenIds, batch.Rows[0].TokenIds);
        Assert.Equal(Run(options, [Prompts[1]], [6]).Rows[0].TokenIds, batch.Rows[1].TokenIds);
    }

    [Fact]
    public void Sampler_rejects_an_empty_batch_and_a_noise_source_for_other_rows()
    {
        Assert.Throws<ArgumentException>(() => Run(TinySsdLm.FastOptions, [], [1]));
        Assert.Throws<ArgumentException>(() => Run(TinySsdLm.FastOptions, [[1], [2]], [1]));
    }

    [Fact]
    public void Sampler_rejects_an_end_of_sequence_id_outside_the_vocabulary()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SimplexSampler(tiny.Model, TinySsdLm.FastOptions with { EndOfSequenceTokenId = 100 }));

        Assert.Contains("EndOfSequenceTokenId 100", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampler_leaves_no_live_tensors_behind()
    {
        Run(TinySsdLm.FastOptions, Prompts, [1, 2, 3]);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 5; i++)
        {
            Run(TinySsdLm.FastOptions with { Projection = SimplexProjection.TopPSampledOneHot }, Prompts, [1, 2, 3]);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
