using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
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

    [Theory]
    [InlineData(false, "BlockLength")]
    [InlineData(true, "Remasking Random")]
    public async Task An_option_the_family_cannot_honour_is_refused_and_the_client_keeps_answering(bool sdar, string named)
    {
        using var checkpoint = new TinyQwenCheckpoint(sdar);
        using var client = Load(checkpoint);
        var refused = new ChatOptions
        {
            MaxOutputTokens = 8,
            RawRepresentationFactory = _ => sdar ? new DiffusionGenerationOptions { Remasking = Sampling.RemaskingStrategy.Random } : new DiffusionGenerationOptions { BlockLength = 4 },
        };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new(ChatRole.User, "Hi")], refused).WaitAsync(TimeSpan.FromMinutes(1)));
        var answer = await client.GetResponseAsync([new(ChatRole.User, "Hi")], new ChatOptions { MaxOutputTokens = 4, Seed = 1 }).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.NotNull(answer.Usage);
    }
}
