using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Sampling;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Dream;

/// <summary>Dream and SDAR folders through the public client: loader -> ChatML template -> BPE tokenizer -> sampler -> text.</summary>
public sealed class QwenChatClientTests
{
    private static DiffusionChatClient Load(TinyQwenCheckpoint checkpoint) =>
        new(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = checkpoint.Directory, Device = "cpu" }));

    [Theory]
    [InlineData(false, typeof(DreamTokenGenerator))]
    [InlineData(true, typeof(SdarTokenGenerator))]
    public async Task A_folder_answers_through_the_chat_client_with_its_own_generator(bool sdar, Type generatorType)
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar);
        using var client = Load(checkpoint);
        var options = new ChatOptions { MaxOutputTokens = 8, Seed = 1 };

        var first = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);
        var second = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);

        Assert.IsType(generatorType, client.GetService<ITokenGenerator>());
        Assert.IsType<ChatMlPromptFormat>(client.GetService<IChatPromptFormat>());
        Assert.Equal(first.Text, second.Text);
        Assert.InRange(first.Usage!.OutputTokenCount!.Value, 0, 8);
    }

    [Fact]
    public async Task Sdar_streams_the_answer_block_by_block()
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar: true);
        using var client = Load(checkpoint);
        var options = new ChatOptions { MaxOutputTokens = 12, Temperature = 0.9f, Seed = 3 };

        var whole = await client.GetResponseAsync([new(ChatRole.User, "Hi")], options);
        var pieces = new List<string>();
        await foreach (var update in client.GetStreamingResponseAsync([new(ChatRole.User, "Hi")], options))
        {
            pieces.Add(update.Text);
        }

        Assert.Equal(whole.Text, string.Concat(pieces));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_request_throws(bool sdar)
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar);
        using var client = Load(checkpoint);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync([new(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 8 }, cancelled.Token));
    }

    [Fact]
    public async Task An_option_sdar_cannot_honour_is_refused_and_the_client_keeps_answering()
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar: true);
        using var client = Load(checkpoint);
        var refused = new ChatOptions
        {
            MaxOutputTokens = 8,
            RawRepresentationFactory = _ => new DiffusionGenerationOptions { Remasking = RemaskingStrategy.Random },
        };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new(ChatRole.User, "Hi")], refused).WaitAsync(TimeSpan.FromMinutes(1)));
        var answer = await client.GetResponseAsync([new(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 4, Seed = 1 }).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains("Remasking Random", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(answer.Usage);
    }

    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public async Task Dream_answers_with_a_cache_through_the_chat_client_block_by_block(KeyValueCacheMode mode)
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar: false);
        using var client = Load(checkpoint, out var calls);
        var options = Options(new DiffusionGenerationOptions { BlockLength = 4, Steps = 4, Cache = mode });

        var answer = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], options);

        Assert.NotNull(answer.Text);
        long passes = answer.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        // Four steps per block: the first builds the block's cache, the other three read it; no full passes.
        Assert.Equal(0, calls.FullPasses);
        Assert.True(calls.CacheBuilds >= 1);
        Assert.Equal(3 * calls.CacheBuilds, calls.WindowPasses);
        Assert.Equal(calls.CacheBuilds + calls.WindowPasses, passes);
    }

    [Fact]
    public async Task Dream_with_threshold_decoding_commits_several_tokens_per_pass_through_the_chat_client()
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar: false);
        using var client = Load(checkpoint, out var calls);
        var fixedSchedule = Options(new DiffusionGenerationOptions { BlockLength = 8, Steps = 8, Cache = KeyValueCacheMode.Dual });
        var threshold = Options(new DiffusionGenerationOptions { BlockLength = 8, Steps = 8, Cache = KeyValueCacheMode.Dual, ConfidenceThreshold = 0.001 });

        var slow = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], fixedSchedule);
        int blocks = calls.CacheBuilds;
        var fast = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], threshold);

        // The fixed schedule commits one token per pass (8 per block); a threshold every random model clears commits
        // the whole block in its cache-building pass.
        Assert.Equal(8 * blocks, slow.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
        long fastPasses = fast.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        Assert.InRange(fastPasses, 1, blocks);
        Assert.Equal(calls.CacheBuilds - blocks, fastPasses);
    }

    [Fact]
    public async Task A_dream_request_without_block_threshold_or_cache_runs_dreams_own_sampler()
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar: false);
        using var client = Load(checkpoint, out var calls);

        var answer = await client.GetResponseAsync([new(ChatRole.User, "Hello there")], Options(new DiffusionGenerationOptions { Steps = 4 }));

        // diffusion_generate: 4 steps over the whole answer, none of them through the block-wise path's denoiser.
        Assert.Equal(4, answer.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
        Assert.Equal(0, calls.FullPasses + calls.CacheBuilds + calls.WindowPasses);
    }

    private static ChatOptions Options(DiffusionGenerationOptions diffusion) =>
        new() { MaxOutputTokens = 16, Seed = 1, RawRepresentationFactory = _ => diffusion };

    /// <summary>A Dream client whose block-wise path counts the denoiser's calls by kind.</summary>
    private static DiffusionChatClient Load(TinyQwenCheckpoint checkpoint, out CallKindCountingDenoiser calls)
    {
        var loaded = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = checkpoint.Directory, Device = "cpu" });
        var generator = (DreamTokenGenerator)loaded.Generator;
        calls = new CallKindCountingDenoiser(generator.Denoiser);

        // The new generator owns the loaded model; the loaded ChatModelParts is dropped undisposed on purpose (disposing it
        // would dispose the same model twice).
        var observed = new DreamTokenGenerator(generator.Denoiser, generator.DefaultDiffusion, generator.MaxSequenceLength, calls);
        return new DiffusionChatClient(new ChatModelParts(loaded.ModelId, observed, loaded.Tokenizer, loaded.Format, loaded.Folder));
    }
}
