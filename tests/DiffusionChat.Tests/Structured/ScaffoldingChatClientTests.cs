using DiffusionChat.Hosting;
using DiffusionChat.Structured;
using Microsoft.Extensions.AI;
using Moq;

namespace DiffusionChat.Tests.Structured;

/// <summary>The scaffolding middleware through the public IChatClient, over the shipped masked model.</summary>
public sealed class ScaffoldingChatClientTests : IDisposable
{
    private readonly IChatClient client = new ChatClientBuilder(
            new DiffusionChatClient(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = RepoPaths.Path("models", "dc-masked"), Device = "cpu" })))
        .UseScaffolding(new ScaffoldLimits { StringMaxTokens = 8 })
        .Build();

    private static readonly IList<AITool> Tools =
    [
        AIFunctionFactory.Create((string city) => "{}", "get_weather", "Get the current weather for a city."),
        AIFunctionFactory.Create((string city) => "{}", "get_time", "Get the current local time in a city."),
    ];

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task RequireSpecific_answers_with_a_call_to_that_function_and_its_arguments()
    {
        var options = new ChatOptions { Tools = Tools, ToolMode = ChatToolMode.RequireSpecific("get_time") };

        var response = await client.GetResponseAsync("What is the weather in Oslo?", options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        Assert.Equal("Oslo", call.Arguments!["city"]?.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public async Task RequireAny_lets_the_model_choose_the_tool_by_its_likelihood()
    {
        var options = new ChatOptions { Tools = Tools, ToolMode = ChatToolMode.RequireAny };

        var response = await client.GetResponseAsync("What time is it in Paris?", options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        Assert.True(response.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName] > 0);
    }

    [Fact]
    public async Task GetResponseAsync_of_T_returns_a_parsable_T()
    {
        var response = await client.GetResponseAsync<CapitalAnswer>("What is the capital of France?");

        Assert.True(response.TryGetResult(out var answer), response.Text);
        Assert.NotNull(answer!.Country);
        Assert.NotNull(answer.City);
    }

    [Fact]
    public async Task Auto_mode_scaffolds_the_call_the_model_opens()
    {
        var options = new ChatOptions { Tools = Tools };

        var response = await client.GetResponseAsync("What is the weather in Oslo?", options);

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Oslo", call.Arguments!["city"]?.ToString());
    }

    [Fact]
    public async Task Auto_mode_leaves_a_question_the_model_answers_in_prose_to_free_decoding_and_counts_the_probe()
    {
        using var bare = new DiffusionChatClient(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = RepoPaths.Path("models", "dc-masked"), Device = "cpu" }));
        var options = new ChatOptions { Tools = Tools, MaxOutputTokens = 16 };

        var response = await client.GetResponseAsync("What is the capital of France?", options);
        var free = await bare.GetResponseAsync("What is the capital of France?", options);

        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(free.Text, response.Text);
        Assert.Equal(free.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName] + 1, response.Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName]);
    }

    [Fact]
    public async Task Auto_mode_streams_the_scaffolded_call_as_one_update()
    {
        var options = new ChatOptions { Tools = Tools };

        var updates = await client.GetStreamingResponseAsync("What time is it in Paris?", options).ToListAsync();

        var call = Assert.Single(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
    }

    [Fact]
    public async Task Json_format_without_a_schema_always_parses_whole_and_streamed()
    {
        // The shipped model answers in prose; the middleware replaces prose with a scaffolded {"answer": ...} object.
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.Json, MaxOutputTokens = 16 };

        var whole = await client.GetResponseAsync("What is the capital of France?", options);
        var streamed = await client.GetStreamingResponseAsync("What is the capital of France?", options).ToChatResponseAsync();

        using var document = System.Text.Json.JsonDocument.Parse(whole.Text);
        Assert.Equal(System.Text.Json.JsonValueKind.String, document.RootElement.GetProperty("answer").ValueKind);
        Assert.Equal(whole.Text, streamed.Text);
    }

    [Fact]
    public async Task Requests_without_structure_go_to_the_inner_client_unchanged()
    {
        var inner = new Mock<IChatClient>();
        var expected = new ChatResponse(new ChatMessage(ChatRole.Assistant, "hello"));
        var options = new ChatOptions { Tools = Tools };
        inner.Setup(c => c.GetResponseAsync(It.IsAny<IEnumerable<ChatMessage>>(), options, It.IsAny<CancellationToken>())).ReturnsAsync(expected);
        using var scaffolding = new ScaffoldingChatClient(inner.Object);

        var response = await scaffolding.GetResponseAsync("Hi", options);

        Assert.Same(expected, response);
    }

    [Fact]
    public async Task Structured_request_over_a_client_without_a_model_is_refused_naming_what_is_missing()
    {
        using var scaffolding = new ScaffoldingChatClient(new Mock<IChatClient>().Object);
        var options = new ChatOptions { Tools = Tools, ToolMode = ChatToolMode.RequireAny };

        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => scaffolding.GetResponseAsync("Hi", options));

        Assert.Contains("ChatModelParts", ex.Message, StringComparison.Ordinal);
    }

    public sealed record CapitalAnswer(string Country, string City);
}
