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
        ? (prompt.Contains("{\"city\":\"Oslo\",\"temperature_c\":4,\"conditions\":\"rainy\"}", StringComparison.Ordinal) ? "It is 4 degrees and rainy in Oslo.<|im_end|>" : "The tool said something else.<|im_end|>")
        : "<tool_call>{\"name\":\"weather_get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call><|im_end|>";

    private static AgentKernel Agent(Func<string, long, string> script, TimeProvider? time = null) =>
        AgentKernel.Create(AppContext.BaseDirectory, time ?? TimeProvider.System, services =>
        {
            var loader = new Mock<IChatModelLoader>();
            loader.Setup(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()))
                .Returns(() =>
                {
                    var tokenizer = new CharTokenizer();
                    return new ChatModelParts("scripted", new ScriptedGenerator(script, tokenizer), tokenizer, ChatMlPromptFormat.Instance);
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
        Assert.Equal("It is 4 degrees and rainy in Oslo.", answer);
    }

    [Fact]
    public async Task Chat_completion_service_calls_the_plugin_and_keeps_the_reply_in_the_history()
    {
        var agent = Agent(ToolScript);
        var history = new ChatHistory();

        var answer = await agent.ChatAsync(history, "Weather in Oslo?", CancellationToken.None);

        Assert.Equal(["Oslo"], agent.Weather.Asked);
        Assert.Equal("It is 4 degrees and rainy in Oslo.", answer);
        Assert.Equal(AuthorRole.Assistant, history[^1].Role);
    }

    [Fact]
    public async Task Clock_plugin_answers_from_the_injected_time()
    {
        static string ClockScript(string prompt, long seed) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
            ? (prompt.Contains("{\"city\":\"Tokyo\",\"time\":\"23:00\"}", StringComparison.Ordinal) ? "It is 23:00 in Tokyo.<|im_end|>" : "wrong time<|im_end|>")
            : "<tool_call>{\"name\":\"clock_get_time\",\"arguments\":{\"city\":\"Tokyo\"}}</tool_call><|im_end|>";
        var agent = Agent(ClockScript, new FixedTime(new DateTimeOffset(2026, 11, 27, 14, 0, 0, TimeSpan.Zero)));

        var answer = await agent.AskAsync("What time is it in Tokyo?", CancellationToken.None);

        Assert.Equal("It is 23:00 in Tokyo.", answer);
    }

    [Fact]
    public void Weather_plugin_answers_in_the_trained_json_shape_with_stable_demo_values_for_unknown_cities()
    {
        var plugin = new WeatherPlugin();

        var known = System.Text.Json.JsonDocument.Parse(plugin.GetWeather(" Oslo ")).RootElement;
        var unknown = plugin.GetWeather("Atlantis");

        Assert.Equal("Oslo", known.GetProperty("city").GetString());
        Assert.Equal(4, known.GetProperty("temperature_c").GetInt32());
        Assert.Equal("rainy", known.GetProperty("conditions").GetString());
        Assert.Equal(unknown, new WeatherPlugin().GetWeather("Atlantis"));
        Assert.Equal(["Oslo", "Atlantis"], plugin.Asked);
    }

    [Fact]
    public async Task Tools_reach_the_model_under_the_plugin_names_and_schemas_the_shipped_models_were_trained_on()
    {
        string? seen = null;
        string Capture(string prompt, long seed)
        {
            seen ??= prompt;
            return "Hello!<|im_end|>";
        }

        await Agent(Capture).AskAsync("Hi", CancellationToken.None);

        foreach (var tool in DiffusionChat.Trainer.Data.InstructionSetGenerator.PluginTools)
        {
            Assert.Contains($"\"name\":\"{tool.Name}\"", seen, StringComparison.Ordinal);
            Assert.Contains(tool.Description, seen, StringComparison.Ordinal);
            Assert.Contains(tool.ParametersSchemaJson, seen, StringComparison.Ordinal);
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
