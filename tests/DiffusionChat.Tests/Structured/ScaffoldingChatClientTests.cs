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

        Assert.Contains("ChatModel", ex.Message, StringComparison.Ordinal);
    }

    public sealed record CapitalAnswer(string Country, string City);
}
