using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling.Autoregressive;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Autoregressive;

public sealed class CausalDecoderTests
{
    private static readonly int[] PromptA = [1, 7, 3, 9, 4];
    private static readonly int[] PromptB = [5, 2];

    [Fact]
    public void Cached_logits_equal_a_full_recomputation()
    {
        using var model = TinyLlama.Create();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = tensor(new long[] { 1, 7, 3, 9, 4, 8, 2, 6 }, [1, 8]);
        var full = model.forward(ids);

        using var cache = new KeyValueCache(2);
        var first = model.Forward(ids[TensorIndex.Colon, TensorIndex.Slice(0, 5)], ones(1, 5, ScalarType.Bool), cache);
        var steps = new List<Tensor> { first };
        for (var t = 5; t < 8; t++)
        {
            steps.Add(model.Forward(ids[TensorIndex.Colon, TensorIndex.Slice(t, t + 1)], ones(1, t + 1, ScalarType.Bool), cache));
        }

        // Relative to the logit scale: multi-threaded float32 reductions differ in order between the two paths.
        var maxDiff = (cat(steps, 1) - full).abs().max().item<float>();
        var scale = full.abs().max().item<float>();
        Assert.True(maxDiff <= 1e-5 * Math.Max(1, scale), $"max |cached - full| = {maxDiff} at logit scale {scale}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Kv_cached_greedy_decoding_equals_uncached_recomputation(int keyValueHeads)
    {
        using var model = TinyLlama.Create(keyValueHeads: keyValueHeads);
        var options = new DecodingOptions(MaxNewTokens: 12, StopTokenIds: [], PadTokenId: 0);

        var cached = CausalDecoder.Generate(model, [PromptA], options)[0].Tokens;

        Assert.Equal(UncachedGreedy(model, PromptA, 12), cached);
    }

    [Fact]
    public void Decoder_reads_one_stop_flag_per_step_and_the_tokens_once()
    {
        using var model = TinyLlama.Create();
        var options = new DecodingOptions(MaxNewTokens: 6, StopTokenIds: [], PadTokenId: 0);
        var transfers = new DeviceTransfers();

        var decoded = CausalDecoder.Generate(model, [PromptA, PromptB], options, onCommitted: null, transfers, CancellationToken.None);

        Assert.All(decoded, row => Assert.Equal(6, row.Tokens.Count));
        Assert.Equal(6 + 1, transfers.Reads);
        Assert.Equal(6 + (2 * 6), transfers.ElementsRead);
        Assert.Equal(3, transfers.Uploads); // prompt ids, their padding mask, the stop ids
    }

    [Fact]
    public void Left_padded_batch_gives_the_same_tokens_as_each_prompt_alone()
    {
        using var model = TinyLlama.Create();
        var options = new DecodingOptions(MaxNewTokens: 10, StopTokenIds: [], PadTokenId: 0);

        var batch = CausalDecoder.Generate(model, [PromptA, PromptB], options);

        Assert.Equal(CausalDecoder.Generate(model, [PromptA], options)[0].Tokens, batch[0].Tokens);
        Assert.Equal(CausalDecoder.Generate(model, [PromptB], options)[0].Tokens, batch[1].Tokens);
    }

    [Fact]
    public void Sampling_is_deterministic_per_seed_and_differs_across_seeds()
    {
        using var model = TinyLlama.Create();
        var options = new DecodingOptions(MaxNewTokens: 24, StopTokenIds: [], PadTokenId: 0) { Temperature = 3.0, Seed = 11 };

        var first = CausalDecoder.Generate(model, [PromptA, PromptB], options);
        var again = CausalDecoder.Generate(model, [PromptA, PromptB], options);
        var other = CausalDecoder.Generate(model, [PromptA, PromptB], options with { Seed = 12 });

        Assert.Equal(first.Select(s => s.Tokens), again.Select(s => s.Tokens));
        Assert.NotEqual(first.Select(s => s.Tokens), other.Select(s => s.Tokens));
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        using var model = TinyLlama.Create();
        var greedy = new DecodingOptions(MaxNewTokens: 10, StopTokenIds: [], PadTokenId: 0);

        var sampled = CausalDecoder.Generate(model, [PromptA], greedy with { Temperature = 1.5, TopK = 1, Seed = 3 });

        Assert.Equal(CausalDecoder.Generate(model, [PromptA], greedy)[0].Tokens, sampled[0].Tokens);
    }

    [Fact]
    public void Tiny_top_p_is_greedy()
    {
        using var model = TinyLlama.Create();
        var greedy = new DecodingOptions(MaxNewTokens: 10, StopTokenIds: [], PadTokenId: 0);

        var sampled = CausalDecoder.Generate(model, [PromptA], greedy with { Temperature = 1.0, TopP = 1e-6, Seed = 3 });

        Assert.Equal(CausalDecoder.Generate(model, [PromptA], greedy)[0].Tokens, sampled[0].Tokens);
    }

    [Fact]
    public void Stops_at_a_stop_token_and_leaves_it_out()
    {
        using var model = TinyLlama.Create();
        var greedy = new DecodingOptions(MaxNewTokens: 10, StopTokenIds: [], PadTokenId: 0);
        var free = CausalDecoder.Generate(model, [PromptA], greedy)[0].Tokens;

        var stopped = CausalDecoder.Generate(model, [PromptA], greedy with { StopTokenIds = [free[3]] })[0];

        Assert.True(stopped.Stopped);
        Assert.Equal(free.Take(free.ToList().IndexOf(free[3])), stopped.Tokens);
    }

    [Fact]
    public void Committed_events_carry_each_rows_tokens_then_one_empty_end_and_nothing_after()
    {
        using var model = TinyLlama.Create();
        var greedy = new DecodingOptions(MaxNewTokens: 10, StopTokenIds: [], PadTokenId: 0);
        var free = CausalDecoder.Generate(model, [PromptA, PromptB], greedy);
        int stopId = free[0].Tokens[3];
        var events = new List<TokensCommitted>();

        var stopped = CausalDecoder.Generate(model, [PromptA, PromptB], greedy with { StopTokenIds = [stopId] }, events.Add, CancellationToken.None);

        for (int row = 0; row < 2; row++)
        {
            var mine = events.Where(e => e.Row == row).ToList();
            Assert.Equal(stopped[row].Tokens, mine.SelectMany(e => e.Tokens));
            Assert.Equal(Enumerable.Range(0, mine.Count), mine.Select(e => e.Block));
            Assert.Equal(stopped[row].Stopped, mine[^1].Ended);
            Assert.All(mine.SkipLast(1), e => Assert.False(e.Ended));
        }

        Assert.Empty(events.Single(e => e.Row == 0 && e.Ended).Tokens);
    }

    [Fact]
    public void Cancelled_token_stops_decoding()
    {
        using var model = TinyLlama.Create();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            CausalDecoder.Generate(model, [PromptA], new DecodingOptions(5, [], 0), cancel.Token));
    }

    [Theory]
    [InlineData(new int[0], "empty")]
    [InlineData(new[] { 3, 50 }, "token id 50")]
    public void Bad_prompts_are_rejected_with_a_message_naming_the_problem(int[] prompt, string expected)
    {
        using var model = TinyLlama.Create();

        var ex = Assert.Throws<ArgumentException>(() => CausalDecoder.Generate(model, [prompt], new DecodingOptions(5, [], 0)));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_sampling_options_are_rejected()
    {
        using var model = TinyLlama.Create();
        var options = new DecodingOptions(5, [], 0);

        Assert.Throws<ArgumentOutOfRangeException>(() => CausalDecoder.Generate(model, [PromptA], options with { Temperature = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CausalDecoder.Generate(model, [PromptA], options with { TopP = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => CausalDecoder.Generate(model, [PromptA], options with { TopK = 0 }));
    }

    private static List<int> UncachedGreedy(LlamaForCausalLM model, int[] prompt, int count)
    {
        using var _ = no_grad();
        var tokens = prompt.ToList();
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var logits = model.forward(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count]));
            tokens.Add((int)logits[0, -1].argmax().item<long>());
        }

        return tokens.Skip(prompt.Length).ToList();
    }
}
