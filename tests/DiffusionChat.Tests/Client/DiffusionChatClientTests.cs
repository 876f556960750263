using System.ComponentModel;
using DiffusionChat.Chat;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Client;

public class DiffusionChatClientTests
{
    private static (DiffusionChatClient Client, ScriptedGenerator Generator) Create(
        Func<string, long, string> answer, DiffusionChatClientOptions? options = null, int maxSequenceLength = 4096, bool pollsStopRequests = true)
    {
        var tokenizer = new CharTokenizer();
        var generator = new ScriptedGenerator(answer, tokenizer) { MaxSequenceLength = maxSequenceLength, PollsStopRequests = pollsStopRequests };
        var model = new ChatModelParts("tiny-mdlm", generator, tokenizer, ChatMlPromptFormat.Instance, "/models/tiny-mdlm");
        return (new DiffusionChatClient(model, options), generator);
    }

    [Fact]
    public async Task Streaming_updates_share_ids_and_the_last_carries_finish_reason_and_one_usage()
    {
        var (client, _) = Create((_, _) => "Hello there, friend.<|im_end|>");
        using var _ = client;

        var updates = await client.GetStreamingResponseAsync([new(ChatRole.User, "Hi")]).ToListAsync();

        Assert.True(updates.Count > 2);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
        Assert.Single(updates.Select(u => u.MessageId).Distinct());
        Assert.All(updates[..^1], u => Assert.Null(u.FinishReason));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Equal("Hello there, friend.", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(20, usage.Details.OutputTokenCount);
        Assert.True(usage.Details.InputTokenCount > 0);
        Assert.Equal(usage.Details.InputTokenCount + usage.Details.OutputTokenCount, usage.Details.TotalTokenCount);
        Assert.True(usage.Details.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName] > 0);
    }

    [Theory]
    [InlineData(true)] // as the diffusion generators: the answer ends at the block where the client asks to stop
    [InlineData(false)] // as the autoregressive generator: the answer runs on, the client alone trims it
    public async Task Stop_sequence_spanning_blocks_is_trimmed_and_never_streamed(bool generatorPollsStopRequests)
    {
        var (client, _) = Create((_, _) => "one two STOP three four five six seven eight<|im_end|>", pollsStopRequests: generatorPollsStopRequests);
        using var _ = client;

        var updates = await client.GetStreamingResponseAsync([new(ChatRole.User, "count")], new ChatOptions { StopSequences = ["STOP"] }).ToListAsync();

        Assert.Equal("one two ", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task Client_asks_the_generator_to_stop_once_the_answer_holds_a_stop_sequence_and_not_before()
    {
        var (client, generator) = Create((prompt, _) => prompt.Contains("stop", StringComparison.Ordinal) ? "one two STOP three<|im_end|>" : "one two three<|im_end|>");
        using var _ = client;
        var options = new ChatOptions { StopSequences = ["STOP"] };

        await client.GetResponseAsync([new(ChatRole.User, "go")], options);
        await client.GetResponseAsync([new(ChatRole.User, "stop")], options);

        Assert.Equal(2, generator.Requests.Count);
        Assert.False(generator.Requests[0].StopRequested!());
        Assert.True(generator.Requests[1].StopRequested!());
    }

    [Fact]
    public async Task Answer_that_reaches_MaxOutputTokens_finishes_with_Length()
    {
        var (client, _) = Create((_, _) => "abcdefghijklmnop");
        using var _ = client;

        var response = await client.GetResponseAsync([new(ChatRole.User, "letters")], new ChatOptions { MaxOutputTokens = 6 });

        Assert.Equal("abcdef", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task Tool_call_becomes_FunctionCallContent_with_unique_ids_and_ToolCalls_finish()
    {
        var (client, _) = Create((_, _) =>
            "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call>\n" +
            "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Rome\"}}</tool_call><|im_end|>");
        using var _ = client;
        var tool = AIFunctionFactory.Create((string city) => "sunny", "get_weather");

        var response = await client.GetResponseAsync([new(ChatRole.User, "Weather in Oslo and Rome?")], new ChatOptions { Tools = [tool] });

        var calls = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal("Oslo", calls[0].Arguments!["city"]?.ToString());
        Assert.NotEqual(calls[0].CallId, calls[1].CallId);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal("", response.Text);
    }

    [Fact]
    public async Task Function_invocation_round_trip_answers_from_the_tool_result()
    {
        var (inner, _) = Create((prompt, _) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
            ? "It is 4 degrees in Oslo.<|im_end|>"
            : "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call><|im_end|>");
        int invoked = 0;
        var tool = AIFunctionFactory.Create([Description("Weather")] (string city) => { invoked++; return $"4 degrees in {city}"; }, "get_weather");
        using var client = new ChatClientBuilder(inner).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync([new(ChatRole.User, "Weather in Oslo?")], new ChatOptions { Tools = [tool] });

        Assert.Equal(1, invoked);
        Assert.Equal("It is 4 degrees in Oslo.", response.Text);
    }

    [Fact]
    public async Task Required_tool_mode_makes_the_answer_a_call_to_the_named_function()
    {
        var (client, _) = Create((_, _) => "{\"city\":\"Oslo\"}}</tool_call><|im_end|>");
        using var _ = client;
        var tool = AIFunctionFactory.Create((string city) => "x", "get_weather");

        var response = await client.GetResponseAsync([new(ChatRole.User, "Oslo")], new ChatOptions { Tools = [tool], ToolMode = ChatToolMode.RequireSpecific("get_weather") });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
    }

    [Fact]
    public async Task Json_response_format_fails_clearly_when_the_answer_is_not_json()
    {
        using var client = WithJsonEnforcement(Create((_, _) => "not json<|im_end|>").Client);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            client.GetResponseAsync([new(ChatRole.User, "give json")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json }));

        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_response_format_passes_a_json_answer()
    {
        using var client = WithJsonEnforcement(Create((_, _) => "{\"a\":1}<|im_end|>").Client);

        var response = await client.GetResponseAsync([new(ChatRole.User, "give json")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json });

        Assert.Equal("{\"a\":1}", response.Text);
    }

    [Fact]
    public async Task Json_response_format_releases_no_streamed_text_before_the_answer_is_checked()
    {
        using var client = WithJsonEnforcement(Create((_, _) => "not json at all, several blocks long<|im_end|>").Client);
        var received = new List<ChatResponseUpdate>();

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync([new(ChatRole.User, "give json")], new ChatOptions { ResponseFormat = ChatResponseFormat.Json }))
            {
                received.Add(update);
            }
        });

        Assert.Empty(received);
    }

    [Fact]
    public async Task Text_streams_unchecked_when_no_json_is_asked_for()
    {
        using var client = WithJsonEnforcement(Create((_, _) => "not json<|im_end|>").Client);

        var response = await client.GetStreamingResponseAsync([new(ChatRole.User, "hi")]).ToChatResponseAsync();

        Assert.Equal("not json", response.Text);
    }

    private static IChatClient WithJsonEnforcement(IChatClient client) => client.AsBuilder().UseJsonResponseFormat().Build();

    [Fact]
    public void GetService_returns_metadata_model_parts_and_null_for_keys()
    {
        var (client, generator) = Create((_, _) => "");
        using var _ = client;

        var metadata = client.GetService<ChatClientMetadata>();
        Assert.Equal(DiffusionChatClient.ProviderName, metadata!.ProviderName);
        Assert.Equal("tiny-mdlm", metadata.DefaultModelId);
        Assert.Equal("file", metadata.ProviderUri!.Scheme);
        Assert.Same(client, client.GetService<DiffusionChatClient>());
        Assert.Same(generator, client.GetService<ITokenGenerator>());
        Assert.NotNull(client.GetService<ChatModelParts>());
        Assert.Null(client.GetService(typeof(ChatClientMetadata), serviceKey: "k"));
        Assert.Null(client.GetService<string>());
    }

    [Fact]
    public async Task Disposed_client_throws_ObjectDisposedException_and_disposes_the_model()
    {
        var (client, generator) = Create((_, _) => "x");
        client.Dispose();

        Assert.True(generator.Disposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync([new(ChatRole.User, "Hi")]));
    }

    [Fact]
    public async Task Already_cancelled_token_throws_before_any_work()
    {
        var (client, generator) = Create((_, _) => "x");
        using var _ = client;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync([new(ChatRole.User, "Hi")], cancellationToken: new CancellationToken(true)));
        Assert.Equal(0, generator.Batches);
    }

    [Fact]
    public async Task Cancelling_one_queued_call_does_not_disturb_the_others()
    {
        var (client, generator) = Create((prompt, _) => prompt.Contains("first", StringComparison.Ordinal) ? "one<|im_end|>" : "two<|im_end|>");
        using var _ = client;
        generator.Gate = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();

        var first = client.GetResponseAsync([new(ChatRole.User, "first")]);
        var second = client.GetResponseAsync([new(ChatRole.User, "second")], cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        generator.Gate.SetResult();

        Assert.Equal("one", (await first).Text);
    }

    [Fact]
    public async Task Concurrent_calls_are_batched_and_each_equals_its_single_call_result()
    {
        static string Answer(string prompt, long seed) => $"seed {seed} says {prompt.Length % 7}<|im_end|>";
        var (single, _) = Create(Answer);
        var expected = new List<string>();
        using (single)
        {
            for (int i = 0; i < 32; i++)
            {
                expected.Add((await single.GetResponseAsync([new(ChatRole.User, new string('q', i + 1))], new ChatOptions { Seed = i })).Text);
            }
        }

        var (client, generator) = Create(Answer);
        using var _ = client;
        generator.Gate = new TaskCompletionSource();
        var calls = Enumerable.Range(0, 32).Select(i => client.GetResponseAsync([new(ChatRole.User, new string('q', i + 1))], new ChatOptions { Seed = i })).ToList();
        generator.Gate.SetResult();
        var answers = (await Task.WhenAll(calls)).Select(r => r.Text).ToList();

        Assert.Equal(expected, answers);
        Assert.True(generator.BatchSizes.Max() > 1, "concurrent calls should share batches");
    }

    [Fact]
    public async Task Prompt_longer_than_the_context_is_rejected_with_both_sizes()
    {
        var (client, _) = Create((_, _) => "x", maxSequenceLength: 64);
        using var _ = client;

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new(ChatRole.User, new string('a', 100))]));

        Assert.Contains("at most 64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxOutputTokens_beyond_the_context_names_what_fits()
    {
        var (client, _) = Create((_, _) => "x", maxSequenceLength: 64);
        using var _ = client;

        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetResponseAsync([new(ChatRole.User, "hi")], new ChatOptions { MaxOutputTokens = 1000 }));

        Assert.Contains("answer tokens fit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_client_options_are_rejected_at_construction()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Create((_, _) => "", new DiffusionChatClientOptions { MaxBatchSize = 0 }));

        Assert.Equal("MaxBatchSize", ex.ParamName);
    }
}
