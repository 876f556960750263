using System.Diagnostics;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// The contract every Microsoft.Extensions.AI provider is expected to keep (the checks dotnet/extensions runs against
/// its providers: single and multi-message requests, streaming, usage, structured output, caching, logging and
/// telemetry middleware), run here against DiffusionChatClient.
/// </summary>
public sealed class ChatClientConformanceTests : IDisposable
{
    private readonly TinyChatCheckpoint checkpoint = new(new System.Text.Json.Nodes.JsonObject { ["steps"] = 4, ["block_length"] = 4 });

    public void Dispose() => checkpoint.Dispose();

    private DiffusionChatClient RealClient() =>
        new(new DiffusionChat.Hosting.CheckpointChatModelLoader().Load(new() { ModelPath = checkpoint.Directory, Device = "cpu" }));

    private static DiffusionChatClient Scripted(Func<string, long, string> answer)
    {
        var tokenizer = new CharTokenizer();
        return new DiffusionChatClient(new ChatModelParts("scripted", new ScriptedGenerator(answer, tokenizer), tokenizer, ChatMlPromptFormat.Instance));
    }

    [Fact]
    public async Task Single_request_message_gets_one_assistant_message()
    {
        using var client = RealClient();

        var response = await client.GetResponseAsync("What is the capital of France?", new ChatOptions { MaxOutputTokens = 8, Seed = 1 });

        var message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.NotNull(response.ResponseId);
        Assert.Equal(Path.GetFileName(checkpoint.Directory), response.ModelId);
        Assert.NotNull(response.Usage?.InputTokenCount);
    }

    [Fact]
    public async Task Multiple_request_messages_are_all_read()
    {
        using var client = Scripted((prompt, _) => prompt.Contains("first", StringComparison.Ordinal) && prompt.Contains("second", StringComparison.Ordinal) ? "both<|im_end|>" : "missing<|im_end|>");

        var response = await client.GetResponseAsync(
        [
            new(ChatRole.System, "first"),
            new(ChatRole.User, "hello"),
            new(ChatRole.Assistant, "hi"),
            new(ChatRole.User, "second"),
        ]);

        Assert.Equal("both", response.Text);
    }

    [Fact]
    public async Task Streaming_and_non_streaming_give_the_same_answer_for_the_same_seed()
    {
        using var client = RealClient();
        var options = new ChatOptions { MaxOutputTokens = 12, Seed = 5, Temperature = 0.7f };

        var whole = await client.GetResponseAsync("Tell me something.", options);
        var streamed = await client.GetStreamingResponseAsync("Tell me something.", options).ToChatResponseAsync();

        Assert.Equal(whole.Text, streamed.Text);
        Assert.Equal(whole.Usage!.OutputTokenCount, streamed.Usage!.OutputTokenCount);
        Assert.Equal(whole.FinishReason, streamed.FinishReason);
    }

    [Fact]
    public async Task Structured_output_deserialises_the_json_answer()
    {
        using var client = Scripted((_, _) => "{\"city\":\"Paris\",\"population\":2100000}<|im_end|>");

        var response = await client.GetResponseAsync<CityFact>("Give me a fact.");

        Assert.Equal(new CityFact("Paris", 2100000), response.Result);
    }

    [Fact]
    public async Task Distributed_cache_middleware_serves_a_repeated_request_without_generating()
    {
        using var inner = Scripted((_, seed) => $"answer {seed}<|im_end|>");
        var generator = (ScriptedGenerator)inner.GetService<DiffusionChat.Generation.ITokenGenerator>()!;
        using var client = new ChatClientBuilder(inner)
            .UseDistributedCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .Build();
        var options = new ChatOptions { Seed = 3 };

        var first = await client.GetResponseAsync("cache me", options);
        var second = await client.GetResponseAsync("cache me", options);

        Assert.Equal("answer 3", first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.Equal(1, generator.Batches);
    }

    [Fact]
    public async Task Telemetry_middleware_records_a_chat_span_with_token_usage()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "conformance",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var client = new ChatClientBuilder(Scripted((_, _) => "ok<|im_end|>")).UseOpenTelemetry(sourceName: "conformance").Build();

        await client.GetResponseAsync("hi");

        var span = Assert.Single(activities);
        Assert.Equal(DiffusionChatClient.ProviderName, span.GetTagItem("gen_ai.provider.name") ?? span.GetTagItem("gen_ai.system"));
        Assert.Equal(2L, Convert.ToInt64(span.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture)); // the two tokens of "ok"
    }

    [Fact]
    public async Task Logging_middleware_wraps_the_client_transparently()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace));
        using var client = new ChatClientBuilder(Scripted((_, _) => "logged<|im_end|>")).UseLogging(loggerFactory).Build();

        var response = await client.GetResponseAsync("hi");

        Assert.Equal("logged", response.Text);
        Assert.NotNull(client.GetService<DiffusionChatClient>());
    }

    private sealed record CityFact(string City, int Population);
}
