using DiffusionChat.Sampling;
using DiffusionChat.Generation;
using DiffusionChat.Models;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Tests.Autoregressive;
using TorchSharp;

namespace DiffusionChat.Tests.Generation;

/// <summary>The three generator adapters on real (tiny) models: budget, stop tokens, updates, batching, seeds.</summary>
public class TokenGeneratorTests
{
    private static readonly int[] PromptA = [5, 17, 42, 8];
    private static readonly int[] PromptB = [9, 3];

    private static ITokenGenerator Create(string family) => family switch
    {
        "masked" => new MaskedTokenGenerator(DiffusionModel.Load(GoldenPaths.Folder("llada"), torch.CPU), new DiffusionGenerationOptions { BlockLength = 4, Steps = 4 }, 64),
        "simplex" => new SimplexTokenGenerator(SsdLmDenoiser.Load(GoldenPaths.Folder("ssdlm")), new DiffusionGenerationOptions { BlockLength = 4, Steps = 5 }, endOfSequenceTokenId: null),
        _ => new AutoregressiveTokenGenerator(TinyLlama.Create(), padTokenId: 0),
    };

    private static GenerationRequest Request(int[] prompt, int maxNewTokens, long seed = 3, List<GenerationUpdate>? updates = null, int[]? stops = null) =>
        new(prompt, maxNewTokens, new TokenSampling(0, null, null, seed), new DiffusionGenerationOptions())
        {
            OnUpdate = updates is null ? null : updates.Add,
            StopTokenIds = stops ?? [],
        };

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public async Task Answer_is_cut_at_the_budget_and_updates_add_up_to_it(string family)
    {
        using var generator = Create(family);
        var updates = new List<GenerationUpdate>();

        // Both budgets decode the same 8 positions (two blocks of 4; greedy left to right): only the cut differs.
        var free = (await generator.GenerateAsync([Request(PromptA, 8)], CancellationToken.None)).Single();
        var cut = (await generator.GenerateAsync([Request(PromptA, 6, updates: updates)], CancellationToken.None)).Single();

        Assert.True(free.Tokens.Count > 6, $"the tiny model should write past the budget of 6; it wrote {free.Tokens.Count} tokens");
        Assert.Equal(free.Tokens.Take(6), cut.Tokens);
        Assert.Equal(GenerationFinishReason.Length, cut.FinishReason);
        Assert.Equal(cut.Tokens, updates.SelectMany(u => u.Tokens));
        Assert.True(cut.ForwardPasses > 0);
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    public async Task Diffusion_answer_ends_with_the_block_after_which_a_stop_is_requested(string family)
    {
        using var generator = Create(family);
        var free = (await generator.GenerateAsync([Request(PromptA, 12)], CancellationToken.None)).Single();
        var updates = new List<GenerationUpdate>();
        var stopping = Request(PromptA, 12, updates: updates) with { StopRequested = () => updates.Count >= 2 };

        var stopped = (await generator.GenerateAsync([stopping], CancellationToken.None)).Single();

        Assert.True(free.Tokens.Count > 8, $"the tiny model should write more than two blocks; it wrote {free.Tokens.Count} tokens");
        Assert.Equal(free.Tokens.Take(8), stopped.Tokens); // blocks 0 and 1 of 4 tokens, then nothing
        Assert.Equal(GenerationFinishReason.Stopped, stopped.FinishReason);
        Assert.Equal(2, updates.Count);
    }

    [Fact]
    public async Task Simplex_budget_that_fills_the_context_but_ends_inside_a_block_is_answered_and_decodes_left_to_right()
    {
        using var generator = Create("simplex");
        int budget = generator.MaxSequenceLength - PromptA.Length; // not a whole number of 4-token blocks on this model
        Assert.NotEqual(0, budget % 4);

        var full = (await generator.GenerateAsync([Request(PromptA, budget)], CancellationToken.None)).Single();
        var shorter = (await generator.GenerateAsync([Request(PromptA, 8)], CancellationToken.None)).Single();

        Assert.True(generator.DecodesLeftToRight);
        Assert.Equal(budget, full.Tokens.Count); // the tiny model never stops early: the whole budget, nothing past it
        Assert.Equal(shorter.Tokens, full.Tokens.Take(8)); // a smaller budget only cuts the answer short
    }

    [Fact]
    public async Task Autoregressive_answer_ends_at_the_token_after_which_a_stop_is_requested_and_decoding_stops()
    {
        using var generator = Create("ar");
        var free = (await generator.GenerateAsync([Request(PromptA, 12)], CancellationToken.None)).Single();
        var updates = new List<GenerationUpdate>();
        var stopping = Request(PromptA, 12, updates: updates) with { StopRequested = () => updates.Count >= 3 };

        var stopped = (await generator.GenerateAsync([stopping], CancellationToken.None)).Single();

        Assert.True(free.Tokens.Count > 3 && free.FinishReason == GenerationFinishReason.Length, $"the tiny model should write past 3 tokens; it wrote {free.Tokens.Count}");
        Assert.Equal(free.Tokens.Take(3), stopped.Tokens);
        Assert.Equal(GenerationFinishReason.Stopped, stopped.FinishReason);
        Assert.Equal(3, stopped.ForwardPasses); // no pass is paid for tokens after the stop
    }

    [Fact]
    public async Task Autoregressive_row_that_asks_to_stop_does_not_end_its_batch_neighbours()
    {
        using var generator = Create("ar");
        var aloneB = (await generator.GenerateAsync([Request(PromptB, 10)], CancellationToken.None)).Single();
        var updates = new List<GenerationUpdate>();
        var stoppingA = Request(PromptA, 10, updates: updates) with { StopRequested = () => updates.Count >= 2 };

        var results = await generator.GenerateAsync([stoppingA, Request(PromptB, 10)], CancellationToken.None);

        Assert.Equal(2, results[0].Tokens.Count);
        Assert.Equal(GenerationFinishReason.Stopped, results[0].FinishReason);
        Assert.Equal(aloneB.Tokens, results[1].Tokens);
        Assert.Equal(aloneB.FinishReason, results[1].FinishReason);
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public async Task A_row_in_a_batch_equals_the_same_row_alone(string family)
    {
        using var generator = Create(family);
        var a = Request(PromptA, 8);
        var b = Request(PromptB, 8, seed: 11);
        Assert.Equal(generator.BatchKey(a), generator.BatchKey(b));

        var alone = (await generator.GenerateAsync([b], CancellationToken.None)).Single();
        var together = await generator.GenerateAsync([a, b], CancellationToken.None);

        Assert.NotEmpty(alone.Tokens);
        Assert.Equal(alone.Tokens, together[1].Tokens);
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public async Task Answer_is_cut_before_the_first_stop_token(string family)
    {
        using var generator = Create(family);
        var free = (await generator.GenerateAsync([Request(PromptA, 8)], CancellationToken.None)).Single();
        Assert.True(free.Tokens.Count >= 3, "the tiny model should produce a few tokens");
        int stop = free.Tokens[2];

        var cut = (await generator.GenerateAsync([Request(PromptA, 8, stops: [stop])], CancellationToken.None)).Single();

        int first = free.Tokens.ToList().IndexOf(stop);
        Assert.Equal(free.Tokens.Take(first), cut.Tokens);
        Assert.Equal(GenerationFinishReason.EndOfSequence, cut.FinishReason);
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public void Prompt_with_an_id_outside_the_vocabulary_is_rejected_by_position(string family)
    {
        using var generator = Create(family);

        var ex = Assert.Throws<ArgumentException>(() => generator.Validate(Request([1, 2, 100000], 4)));

        Assert.Contains("Prompt token 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("100000", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ar", "Steps, BlockLength, Remasking, ConfidenceThreshold, Cache")]
    [InlineData("simplex", "Remasking, ConfidenceThreshold, Cache")]
    public void Options_the_family_cannot_honour_are_refused_by_name(string family, string named)
    {
        using var generator = Create(family);
        var knobs = new DiffusionGenerationOptions { Steps = 4, BlockLength = 4, Remasking = Sampling.RemaskingStrategy.Random, ConfidenceThreshold = 0.9, Cache = Sampling.KeyValueCacheMode.Prefix };

        var ex = Assert.Throws<NotSupportedException>(() => generator.Validate(Request(PromptA, 4) with { Diffusion = knobs }));

        Assert.Contains($"cannot honour {named}:", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ar")]
    [InlineData("simplex")]
    [InlineData("masked")]
    public void Draft_and_verify_is_refused_by_every_family_but_block_causal_masked_models(string family)
    {
        using var generator = Create(family); // the masked one here is bidirectional LLaDA

        var ex = Assert.Throws<NotSupportedException>(() => generator.Validate(Request(PromptA, 4) with { Diffusion = new DiffusionGenerationOptions { DraftAndVerify = true } }));

        Assert.Contains("DraftAndVerify", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Simplex_refuses_top_k_which_its_top_p_projection_cannot_apply()
    {
        using var generator = Create("simplex");

        var ex = Assert.Throws<NotSupportedException>(() => generator.Validate(Request(PromptA, 4) with { Sampling = new TokenSampling(1.0, 5, null, 1) }));

        Assert.Contains("TopK", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public void A_request_with_only_the_options_the_family_honours_passes(string family)
    {
        using var generator = Create(family);
        var knobs = family == "ar" ? new DiffusionGenerationOptions() : new DiffusionGenerationOptions { Steps = 4, BlockLength = 4, Cache = Sampling.KeyValueCacheMode.None };

        generator.Validate(Request(PromptA, 4) with { Diffusion = knobs, Sampling = new TokenSampling(0.5, family == "simplex" ? null : 3, 0.9, 1) });
    }

    [Fact]
    public async Task Sampled_rows_decode_in_a_batch_as_they_do_alone()
    {
        using var generator = Create("masked");
        var a = new GenerationRequest(PromptA, 8, new TokenSampling(1.5, null, null, 1), new DiffusionGenerationOptions());
        var b = new GenerationRequest(PromptB, 8, new TokenSampling(1.5, null, null, 2), new DiffusionGenerationOptions());
        Assert.Equal(generator.BatchKey(a), generator.BatchKey(b));

        var aloneA = await generator.GenerateAsync([a], CancellationToken.None);
        var aloneB = await generator.GenerateAsync([b], CancellationToken.None);
        var together = await generator.GenerateAsync([a, b], CancellationToken.None);

        Assert.NotEmpty(aloneA[0].Tokens);
        Assert.NotEmpty(aloneB[0].Tokens);
        Assert.Equal(aloneA[0].Tokens, together[0].Tokens);
        Assert.Equal(aloneB[0].Tokens, together[1].Tokens);
    }

    [Fact]
    public void Sampled_requests_with_a_confidence_threshold_run_alone()
    {
        using var generator = Create("masked");
        var sampled = new GenerationRequest(PromptA, 4, new TokenSampling(0.8, null, null, 1), new DiffusionGenerationOptions { ConfidenceThreshold = 0.9 });

        Assert.NotEqual(generator.BatchKey(sampled), generator.BatchKey(sampled with { }));
    }

    [Theory]
    [InlineData("masked")]
    [InlineData("simplex")]
    [InlineData("ar")]
    public void Requests_with_equal_settings_share_a_batch_key_even_with_separate_stop_lists(string family)
    {
        using var generator = Create(family);

        var a = Request(PromptA, 8, stops: new[] { 5, 6 });
        var b = Request(PromptB, 8, seed: 9, stops: new[] { 5, 6 });

        Assert.Equal(generator.BatchKey(a), generator.BatchKey(b));
    }

    [Fact]
    public async Task Autoregressive_answers_stream_token_by_token()
    {
        using var generator = Create("ar");
        var updates = new List<GenerationUpdate>();

        var result = (await generator.GenerateAsync([Request(PromptA, 6, updates: updates)], CancellationToken.None)).Single();

        Assert.Equal(6, result.Tokens.Count);
        Assert.Equal(result.Tokens.Count, updates.Count);
        Assert.All(updates, u => Assert.Single(u.Tokens));
    }
}
