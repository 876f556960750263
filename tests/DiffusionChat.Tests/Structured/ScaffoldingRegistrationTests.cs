using DiffusionChat.Structured;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Tests.Structured;

/// <summary>Scaffolding as an app gets it: the client <c>AddDiffusionChatClient</c> registers, over the shipped masked model.</summary>
public sealed class ScaffoldingRegistrationTests
{
    private static readonly IList<AITool> Tools =
    [
        AIFunctionFactory.Create((string city) => "{}", "get_weather", "Get the current weather for a city."),
        AIFunctionFactory.Create((string city) => "{}", "get_time", "Get the current local time in a city."),
    ];

    private static ServiceProvider Provider(bool? scaffolding = null)
    {
        var services = new ServiceCollection();
        services.AddDiffusionChatClient(o =>
        {
            o.ModelPath = RepoPaths.Path("models", "dc-masked");
            o.Device = "cpu";
            o.Scaffolding = scaffolding ?? o.Scaffolding;
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Registered_client_answers_RequireSpecific_with_a_call_to_that_function()
    {
        await using var provider = Provider();
        var client = provider.GetRequiredService<IChatClient>();

        var response = await client.GetResponseAsync("What time is it in Paris?", new ChatOptions { Tools = Tools, ToolMode = ChatToolMode.RequireSpecific("get_time") });

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_time", call.Name);
        Assert.Equal("Paris", call.Arguments!["city"]?.ToString());
    }

    [Fact]
    public async Task Registered_client_returns_a_parsable_T_from_GetResponseAsync_of_T()
    {
        await using var provider = Provider();
        var client = provider.GetRequiredService<IChatClient>();

        var response = await client.GetResponseAsync<ScaffoldingChatClientTests.CapitalAnswer>("What is the capital of France?");

        Assert.True(response.TryGetResult(out var answer), response.Text);
        Assert.NotNull(answer!.City);
    }

    [Fact]
    public async Task Scaffolding_is_on_by_default_and_the_diffusion_client_stays_reachable()
    {
        await using var provider = Provider();

        var client = provider.GetRequiredService<IChatClient>();

        Assert.NotNull(client.GetService<ScaffoldingChatClient>());
        Assert.NotNull(client.GetService<DiffusionChatClient>());
    }

    [Fact]
    public async Task Scaffolding_false_registers_the_client_without_the_middleware()
    {
        await using var provider = Provider(scaffolding: false);

        var client = provider.GetRequiredService<IChatClient>();

        Assert.Null(client.GetService<ScaffoldingChatClient>());
        Assert.NotNull(client.GetService<DiffusionChatClient>());
    }
}
