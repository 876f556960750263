using System.Text.RegularExpressions;
using DiffusionChat.Hosting;
using DiffusionChat.Prompting;
using DiffusionChat.Samples.AgentFramework;
using DiffusionChat.Tests.Client;
using DiffusionChat.Trainer.Data;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace DiffusionChat.Tests.Samples;

public sealed partial class AgentFrameworkSampleTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Every prompt the scripted model was given, in order.</summary>
    private readonly List<string> prompts = [];

    // A model that reads its prompt like a trained one: when the latest turn is a tool result it answers by quoting that
    // result; when the latest user message asks about "in <Place>?" it calls get_weather for that place.
    private string ToolUsingModel(string prompt, long seed)
    {
        lock (prompts)
        {
            prompts.Add(prompt);
        }

        int lastUser = prompt.LastIndexOf("<|im_start|>user", StringComparison.Ordinal);
        var latest = prompt[lastUser..];
        var result = ToolResponse().Match(latest);
        if (result.Success)
        {
            return $"The tool said {result.Groups[1].Value}.<|im_end|>";
        }

        var place = AskedPlace().Match(latest);
        return place.Success
            ? $"<tool_call>{{\"name\":\"get_weather\",\"arguments\":{{\"city\":\"{place.Groups[1].Value}\"}}}}</tool_call><|im_end|>"
            : "Where do you mean?<|im_end|>";
    }

    [GeneratedRegex(@"<tool_response>\n(.*)\n</tool_response>")]
    private static partial Regex ToolResponse();

    [GeneratedRegex(@"in (\w+)\?")]
    private static partial Regex AskedPlace();

    private DiffusionAgent ScriptedAgent() =>
        DiffusionAgent.Create(AppContext.BaseDirectory, new FixedTime(Noon), services =>
        {
            var loader = new Mock<IChatModelLoader>();
            loader.Setup(l => l.Load(It.IsAny<DiffusionChatHostingOptions>(), It.IsAny<CancellationToken>()))
                .Returns(() =>
                {
                    var tokenizer = new CharTokenizer();
                    return new ChatModelParts("scripted", new ScriptedGenerator(ToolUsingModel, tokenizer), tokenizer, ChatMlPromptFormat.Instance);
                });
            services.AddSingleton(loader.Object);
        },
        maxOutputTokens: 256); // the character tokenizer spends one token per character of the tool call

    private static async Task<(AgentResponse Response, List<AgentResponseUpdate> Updates)> AskAsync(DiffusionAgent agent, AgentSession session, string message)
    {
        var updates = new List<AgentResponseUpdate>();
        var response = await agent.AskAsync(session, message, updates.Add, CancellationToken.None);
        return (response, updates);
    }

    [Fact]
    public async Task Agent_calls_the_tool_with_the_place_from_the_question_and_answers_from_the_tool_result()
    {
        using var agent = ScriptedAgent();
        var session = await agent.StartConversationAsync(CancellationToken.None);

        var (response, _) = await AskAsync(agent, session, "What is the weather in Madrid?");

        var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Madrid", call.Arguments!["city"]?.ToString());
        var result = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        const string MadridWeather = "{\"city\":\"Madrid\",\"temperature_c\":21,\"conditions\":\"sunny\"}";
        Assert.Equal(MadridWeather, result.Result?.ToString());
        Assert.Equal($"The tool said {MadridWeather}.", response.Messages[^1].Text);
    }

    [Fact]
    public async Task Second_turn_in_the_same_session_sends_the_whole_first_turn_to_the_model()
    {
        using var agent = ScriptedAgent();
        var session = await agent.StartConversationAsync(CancellationToken.None);
        await AskAsync(agent, session, "What is the weather in Oslo?");
        int firstTurnPrompts = prompts.Count;

        var (second, _) = await AskAsync(agent, session, "And the time there?");

        var prompt = prompts[firstTurnPrompts];
        string[] inOrder =
        [
            "What is the weather in Oslo?",
            "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}</tool_call>",
            "{\"city\":\"Oslo\",\"temperature_c\":4,\"conditions\":\"rainy\"}",
            "The tool said {\"city\":\"Oslo\",\"temperature_c\":4,\"conditions\":\"rainy\"}.",
            "And the time there?",
        ];
        var positions = inOrder.Select(part => prompt.IndexOf(part, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
        Assert.Equal("Where do you mean?", second.Text);
    }

    [Fact]
    public async Task A_new_session_starts_without_the_earlier_conversation()
    {
        using var agent = ScriptedAgent();
        await AskAsync(agent, await agent.StartConversationAsync(CancellationToken.None), "What is the weather in Oslo?");
        int earlier = prompts.Count;

        await AskAsync(agent, await agent.StartConversationAsync(CancellationToken.None), "And the time there?");

        Assert.DoesNotContain("Oslo", prompts[earlier], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streamed_turn_arrives_in_several_text_updates_that_add_up_to_the_non_streamed_answer()
    {
        using var agent = ScriptedAgent();

        var (streamed, updates) = await AskAsync(agent, await agent.StartConversationAsync(CancellationToken.None), "What is the weather in Paris?");
        var whole = await agent.Agent.RunAsync("What is the weather in Paris?", await agent.StartConversationAsync(CancellationToken.None));

        var textUpdates = updates.Where(u => u.Text.Length > 0).ToList();
        Assert.True(textUpdates.Count > 1, $"expected the answer in several updates, got {textUpdates.Count}");
        Assert.Equal(whole.Text, string.Concat(textUpdates.Select(u => u.Text)));
        Assert.Equal(whole.Text, streamed.Text);
        Assert.Contains("\"city\":\"Paris\"", whole.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_reach_the_model_under_the_names_and_schemas_the_shipped_models_were_trained_on()
    {
        using var agent = ScriptedAgent();

        await AskAsync(agent, await agent.StartConversationAsync(CancellationToken.None), "Hello");

        foreach (var tool in new[] { InstructionSetGenerator.WeatherTool, InstructionSetGenerator.TimeTool })
        {
            Assert.Contains($"\"name\":\"{tool.Name}\"", prompts[0], StringComparison.Ordinal);
            Assert.Contains(tool.Description, prompts[0], StringComparison.Ordinal);
            Assert.Contains(tool.ParametersSchemaJson, prompts[0], StringComparison.Ordinal);
        }

        Assert.Contains(DiffusionAgent.Instructions, prompts[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shipped_masked_model_calls_the_weather_tool_for_the_asked_city_and_streams_the_answer_from_its_result()
    {
        using var agent = DiffusionAgent.Create(RepoPaths.Path("models", "dc-masked"), new FixedTime(Noon));

        var (streamed, updates) = await AskAsync(agent, await agent.StartConversationAsync(CancellationToken.None), "What is the weather in Oslo?");
        var whole = await agent.Agent.RunAsync("What is the weather in Oslo?", await agent.StartConversationAsync(CancellationToken.None));

        var call = Assert.Single(streamed.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.Equal(("get_weather", "Oslo"), (call.Name, call.Arguments!["city"]?.ToString()));
        var answer = streamed.Messages[^1].Text;
        Assert.Contains("4", answer, StringComparison.Ordinal);
        Assert.Contains("rainy", answer, StringComparison.Ordinal);
        Assert.True(updates.Count(u => u.Text.Length > 0) > 1, "the answer should stream in several updates");
        Assert.Equal(whole.Messages[^1].Text, answer);
    }

    [Fact]
    public void Update_writer_prints_tool_calls_and_results_on_their_own_lines_before_the_answer()
    {
        using var output = new StringWriter();
        var writer = new AgentUpdateWriter(output);

        writer.Write(new AgentResponseUpdate(ChatRole.Assistant, [new FunctionCallContent("c1", "get_time", new Dictionary<string, object?> { ["city"] = "Tokyo" })]));
        writer.Write(new AgentResponseUpdate(ChatRole.Tool, [new FunctionResultContent("c1", "{\"city\":\"Tokyo\",\"time\":\"21:00\"}")]));
        writer.Write(new AgentResponseUpdate(ChatRole.Assistant, "It is "));
        writer.Write(new AgentResponseUpdate(ChatRole.Assistant, "21:00 in Tokyo."));
        writer.EndTurn();

        Assert.Equal(
            "[tool call] get_time(city: Tokyo)\n[tool result] {\"city\":\"Tokyo\",\"time\":\"21:00\"}\nagent> It is 21:00 in Tokyo.\n",
            output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Without_turns_the_sample_asks_a_follow_up_that_names_no_place()
    {
        var settings = AgentFrameworkArguments.Parse([]);

        Assert.Equal(2, settings.Turns.Count);
        Assert.Matches(AskedPlace(), settings.Turns[0]);
        Assert.DoesNotMatch(AskedPlace(), settings.Turns[1]);
        Assert.Equal(["one", "two"], AgentFrameworkArguments.Parse(["--turn", "one", "--turn", "two"]).Turns);
    }

    [Theory]
    [InlineData("--max-tokens", "0")]
    [InlineData("--max-tokens", "many")]
    [InlineData("--turn", " ")]
    [InlineData("--colour", "red")]
    public void Bad_command_line_is_rejected_naming_the_value(string flag, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => AgentFrameworkArguments.Parse([flag, value]));

        Assert.Contains(flag == "--colour" ? flag : $"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
