using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Samples.Agent;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;
using Moq;

namespace DiffusionChat.Tests.Samples;

public class AgentSampleTests
{
    // The model asks for a tool on the first call and answers from the tool result on the second.
    private static string ToolScript(string prompt, long seed) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
        ? (prompt.Contains("Oslo: 4 °C, light rain", StringComparison.Ordinal) ? "Oslo has 4 °C and light rain.<|im_end|>" : "The tool said something else.<|im_end|>")
        : "<tool_call>{\"name\":\"weather_get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call><|im_end|>";

    private static AgentKernel Agent(Func<string, long, string> script, TimeProvider? time = null) =>
        AgentKernel.Create(AppContext.BaseDirectory, time ?? TimeProvider.System, services =>
        {
            var loader = new Mock<IChatModelLoader>();
            loader.Setup(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()))
                .Returns(() =>
                {
                    var tokenizer = new CharTokenizer();
                    return new ChatModel("scripted", new ScriptedGenerator(script, tokenizer), tokenizer, ChatMlPromptFormat.Instance);
                });
            services.AddSingleton(loader.Object);
        },
        maxOutputTokens: 256); // the character tokenizer spends one token per character of the tool call

    [Fact]
    public async Task Prompt_invocation_calls_the_weather_plugin_when_the_model_emits_a_tool_call()
    {
        var agent = Agent(ToolScript);

        var answer = await agent.AskAsync("What is the weather in Oslo?", CancellationToken.None);

        Assert.Equal(["Oslo"], agent.Weather.Asked);
        Assert.Equal("Oslo has 4 °C and light rain.", answer);
    }

    [Fact]
    public async Task Chat_completion_service_calls_the_plugin_and_keeps_the_reply_in_the_history()
    {
        var agent = Agent(ToolScript);
        var history = new ChatHistory();

        var answer = await agent.ChatAsync(history, "Weather in Oslo?", CancellationToken.None);

        Assert.Equal(["Oslo"], agent.Weather.Asked);
        Assert.Equal("Oslo has 4 °C and light rain.", answer);
        Assert.Equal(AuthorRole.Assistant, history[^1].Role);
    }

    [Fact]
    public async Task Clock_plugin_answers_from_the_injected_time()
    {
        static string ClockScript(string prompt, long seed) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
            ? (prompt.Contains("2026-11-27T14:00:00Z", StringComparison.Ordinal) ? "It is 14:00 UTC.<|im_end|>" : "wrong time<|im_end|>")
            : "<tool_call>{\"name\":\"clock_utc_now\",\"arguments\":{}}</tool_call><|im_end|>";
        var agent = Agent(ClockScript, new FixedTime(new DateTimeOffset(2026, 11, 27, 14, 0, 0, TimeSpan.Zero)));

        var answer = await agent.AskAsync("What time is it?", CancellationToken.None);

        Assert.Equal("It is 14:00 UTC.", answer);
    }

    [Fact]
    public void Weather_plugin_names_the_known_cities_for_an_unknown_one()
    {
        var answer = new WeatherPlugin().GetWeather("Atlantis");

        Assert.Contains("Oslo", answer, StringComparison.Ordinal);
        Assert.Contains("'Atlantis'", answer, StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
