using DiffusionChat.Generation;
using DiffusionChat.Models;
using DiffusionChat.Sampling;
using DiffusionChat.Tests.Masked;
using TorchSharp;

namespace DiffusionChat.Tests.Generation;

/// <summary>
/// <see cref="MaskedTokenGenerator"/> over a tiny block-causal LLaDA with <c>shift_logits</c> (blocks of 4, 4 steps):
/// the generator's default path decodes block by block, so budgets only cut answers, and stop requests end rows.
/// </summary>
public sealed class BlockCausalGenerationTests : IDisposable
{
    private static readonly int[] Prompt = [211, 12, 87, 96, 301, 5, 77]; // ends 3 positions into a block

    private readonly TinyBlockCausalFolder folder = new();

    public void Dispose() => folder.Dispose();

    private MaskedTokenGenerator Create(out PassCountingDenoiser counting, DiffusionGenerationOptions? defaults = null)
    {
        counting = new PassCountingDenoiser(DiffusionModel.Load(folder.Directory, torch.CPU), ownsInner: true);
        return new MaskedTokenGenerator(counting, defaults ?? new DiffusionGenerationOptions { BlockLength = 4, Steps = 4 }, 1024);
    }

    private static GenerationRequest Request(int maxNewTokens, long seed = 3) =>
        new(Prompt, maxNewTokens, new TokenSampling(0, null, null, seed), new DiffusionGenerationOptions());

    [Fact]
    public async Task A_budget_only_cuts_the_answer()
    {
        using var generator = Create(out var counting);
        var answers = new List<IReadOnlyList<int>>();
        foreach (int budget in new[] { 32, 64, 128, 256, 512 })
        {
            var result = (await generator.GenerateAsync([Request(budget)], CancellationToken.None)).Single();
            answers.Add(result.Tokens);

            // At most the blocks that hold the budget (the first block holds 1 answer position), 4 passes each.
            Assert.True(result.ForwardPasses <= 4 * (1 + ((budget - 1 + 3) / 4)), $"budget {budget}: {result.ForwardPasses} passes");
        }

        var longest = answers[^1];
        Assert.All(answers, answer => Assert.Equal(longest.Take(answer.Count), answer));
        Assert.True(answers[0].Count == 32 || answers.All(a => a.SequenceEqual(answers[0])), "a cut answer is the budget long, unless the model ended it");
    }

    [Fact]
    public async Task No_pass_pays_for_positions_after_the_current_block()
    {
        using var model = DiffusionModel.Load(folder.Directory, torch.CPU);
        using var recording = new ColumnRecordingDenoiser(model);
        using var generator = new MaskedTokenGenerator(recording, new DiffusionGenerationOptions { BlockLength = 4, Steps = 4 }, 1024);

        await generator.GenerateAsync([Request(512)], CancellationToken.None);

        // The first pass: the prompt's complete block and the block it ends in; later, [finished block, block] or the
        // block alone. A whole-window pass would compute all 519 positions.
        Assert.All(recording.Columns, columns => Assert.True(columns <= 8, $"{columns} columns in one pass"));
    }

    [Fact]
    public async Task Requests_with_different_budgets_share_a_batch_and_each_ends_at_its_own()
    {
        using var generator = Create(out var counting);
        Assert.Equal(generator.BatchKey(Request(9)), generator.BatchKey(Request(40)));

        var batch = await generator.GenerateAsync([Request(9), Request(40)], CancellationToken.None);
        var alone = (await generator.GenerateAsync([Request(40)], CancellationToken.None)).Single();

        Assert.Equal(alone.Tokens.Take(batch[0].Tokens.Count), batch[0].Tokens);
        Assert.Equal(alone.Tokens, batch[1].Tokens);
        Assert.True(batch[0].Tokens.Count <= 9);
    }

    [Fact]
    public async Task A_row_that_asks_to_stop_ends_after_its_block_and_costs_no_further_pass()
    {
        using var generator = Create(out var counting);
        var stopping = Request(64) with { StopRequested = () => true };

        var results = await generator.GenerateAsync([stopping, Request(12)], CancellationToken.None);

        Assert.Equal(GenerationFinishReason.Stopped, results[0].FinishReason);
        Assert.True(results[0].Tokens.Count <= 1, "the first block holds one answer position");
        Assert.Equal(2L, counting.RowsPerPass[0]);
        Assert.All(counting.RowsPerPass.Skip(4), rows => Assert.Equal(1L, rows));
    }

    [Fact]
    public async Task The_default_block_is_the_models_attention_block()
    {
        using var generator = Create(out var counting, new DiffusionGenerationOptions());

        Assert.Equal(4, generator.DefaultDiffusion.BlockLength);
        Assert.True(generator.DecodesLeftToRight);
        var result = (await generator.GenerateAsync([Request(5)], CancellationToken.None)).Single();
        Assert.True(result.ForwardPasses <= 8, $"{result.ForwardPasses} passes for 5 tokens in blocks of 4 (1 + 4 answer positions)");
    }

    [Fact]
    public async Task A_fast_dllm_cache_keeps_the_whole_window_sampler()
    {
        using var generator = Create(out var counting);
        var request = Request(8) with { Diffusion = new DiffusionGenerationOptions { Cache = KeyValueCacheMode.Dual } };

        var result = (await generator.GenerateAsync([request], CancellationToken.None)).Single();

        // Two whole-window blocks of 4 steps each, the first pass of each building the cache.
        Assert.Equal(8, result.ForwardPasses);
    }
}
