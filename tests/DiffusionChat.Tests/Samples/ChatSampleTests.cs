using DiffusionChat.Cli.TinyModels;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using DiffusionChat.Samples.Chat;
using DiffusionChat.Tests.Client;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace DiffusionChat.Tests.Samples;

public sealed class ChatSampleTests : IDisposable
{
    private readonly TinyModelFolder masked = new(TinyModelFamily.Masked);

    public void Dispose() => masked.Dispose();

    private static ChatArguments Settings(string? once = null, int maxTokens = 16) => new(null, once, false, maxTokens, null, null, 1, Tools: false);

    private static DiffusionChatClient Scripted(Func<string, long, string> answer, out ScriptedGenerator generator)
    {
        var tokenizer = new CharTokenizer();
        generator = new ScriptedGenerator(answer, tokenizer);
        return new DiffusionChatClient(new ChatModelParts("scripted", generator, tokenizer, ChatMlPromptFormat.Instance));
    }

    [Fact]
    public void Infill_fills_every_blank_of_a_json_document_and_keeps_the_text_around_them()
    {
        using var client = ChatApp.Load(masked.Path);
        using var output = new StringWriter();
        using var figures = new StringWriter();
        var settings = Settings() with { Infill = "{\"city\":\"[MASK]\",\"country\":\"[MASK]\"}", BlankTokens = 3 };

        int exit = ChatApp.RunInfill(client, settings, output, figures);

        Assert.Equal(0, exit);
        var text = output.ToString().TrimEnd();
        Assert.StartsWith("{\"city\":\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[MASK]", text, StringComparison.Ordinal);
        Assert.Contains("forward passes", figures.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Infill_on_the_simplex_model_fills_the_blank_in_its_default_steps()
    {
        using var client = ChatApp.Load(RepoPaths.Path("models", "dc-simplex"));
        using var output = new StringWriter();
        using var figures = new StringWriter();
        var settings = Settings() with { Infill = "The capital of France is [MASK].", BlankTokens = 2, Steps = 5 };

        int exit = ChatApp.RunInfill(client, settings, output, figures);

        Assert.Equal(0, exit);
        Assert.StartsWith("The capital of France is ", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("[MASK]", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("; 5 forward passes]", figures.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Infill_on_a_model_that_is_not_a_diffusion_model_exits_with_2_and_says_why()
    {
        using var client = Scripted((_, _) => "x", out _);
        using var output = new StringWriter();
        using var figures = new StringWriter();

        int exit = ChatApp.RunInfill(client, Settings() with { Infill = "a [MASK] b" }, output, figures);

        Assert.Equal(2, exit);
        Assert.Contains("masked or simplex", figures.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_shot_chat_on_a_tiny_model_folder_prints_the_answer_and_the_figures_the_client_reported()
    {
        using var client = ChatApp.Load(masked.Path);
        var recorded = new RecordingChatClient(client); // not disposed: it would dispose the client a second time
        var schedule = client.GetService<ITokenGenerator>()!.DefaultDiffusion;
        using var output = new StringWriter();
        using var figures = new StringWriter();

        int exit = await ChatApp.RunOnceAsync(recorded, Settings("Hello, who are you?", maxTokens: 16), output, figures, CancellationToken.None);

        var response = recorded.Updates.ToChatResponse();
        long tokens = response.Usage!.OutputTokenCount!.Value;
        long passes = response.Usage.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        Assert.Equal(0, exit);
        Assert.False(string.IsNullOrWhiteSpace(response.Text), "the tiny model should write something");
        Assert.Equal(response.Text + Environment.NewLine, output.ToString());
        Assert.StartsWith($"[{tokens} tokens, {passes} forward passes, ", figures.ToString(), StringComparison.Ordinal);
        Assert.EndsWith($", finish: {response.FinishReason!.Value.Value}]{Environment.NewLine}", figures.ToString(), StringComparison.Ordinal);

        // The tiny model's fixed schedule: every block of the 16-token budget takes its configured steps, and an
        // answer that ended early stopped after the block it ended in.
        int steps = schedule.Steps!.Value, blockLength = schedule.BlockLength!.Value;
        long blocks = response.FinishReason == ChatFinishReason.Length ? (16 + blockLength - 1) / blockLength : (tokens / blockLength) + 1;
        Assert.Equal(response.FinishReason == ChatFinishReason.Length, tokens == 16);
        Assert.Equal(steps * blocks, passes);
    }

    [Fact]
    public async Task Session_sends_the_earlier_turns_with_each_new_prompt()
    {
        using var client = Scripted((prompt, _) => prompt.Contains("first answer", StringComparison.Ordinal) ? "second answer<|im_end|>" : "first answer<|im_end|>", out _);
        var session = new ChatSession(client, Settings());
        var streamed = new List<string>();

        var first = await session.AskAsync("one", streamed.Add, CancellationToken.None);
        var second = await session.AskAsync("two", streamed.Add, CancellationToken.None);

        Assert.Equal("first answer", first.Text);
        Assert.Equal("second answer", second.Text);
        Assert.Equal("first answersecond answer", string.Concat(streamed));
        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant], session.History.Select(m => m.Role));
    }

    [Fact]
    public async Task Cancelled_answer_is_not_kept_in_the_history()
    {
        using var client = Scripted((_, _) => "never<|im_end|>", out var generator);
        generator.Gate = new TaskCompletionSource();
        var session = new ChatSession(client, Settings());
        using var cts = new CancellationTokenSource();

        var ask = session.AskAsync("hello", _ => { }, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ask);
        Assert.Empty(session.History);
    }

    [Fact]
    public async Task Masked_generator_reports_every_step_and_the_steps_fill_every_answer_position()
    {
        using var client = ChatApp.Load(masked.Path);
        var generator = client.GetService<MaskedTokenGenerator>()!;
        var canvas = new DenoisingCanvas(16);
        var events = new List<DenoisingStepEventArgs>();
        void OnStep(object? sender, DenoisingStepEventArgs e)
        {
            events.Add(e);
            canvas.Apply(e);
        }

        generator.StepCommitted += OnStep;
        var session = new ChatSession(client, Settings() with { Steps = 4, BlockLength = 8 });
        var result = await session.AskAsync("Hello", _ => { }, CancellationToken.None);
        generator.StepCommitted -= OnStep;

        // 4 steps per block of 8 (two blocks for 16 tokens, one if the answer ended in the first), 2 positions per
        // step, and each position of the decoded blocks committed exactly once.
        long blocks = result.ForwardPasses!.Value / 4;
        Assert.InRange(blocks, 1, 2);
        Assert.Equal(4 * blocks, result.ForwardPasses);
        Assert.Equal(4 * blocks, events.Count);
        Assert.All(events, e => Assert.Equal(2, e.Positions.Count));
        Assert.Equal(Enumerable.Range(0, 8 * (int)blocks), events.SelectMany(e => e.Positions).Order());
        Assert.All(canvas.Snapshot().Take(8 * (int)blocks), cell => Assert.NotNull(cell));
    }

    [Fact]
    public async Task Masked_generator_raises_no_step_events_after_the_handler_is_removed()
    {
        using var client = ChatApp.Load(masked.Path);
        var generator = client.GetService<MaskedTokenGenerator>()!;
        int events = 0;
        void OnStep(object? sender, DenoisingStepEventArgs e) => events++;
        generator.StepCommitted += OnStep;
        generator.StepCommitted -= OnStep;

        await new ChatSession(client, Settings()).AskAsync("Hello", _ => { }, CancellationToken.None);

        Assert.Equal(0, events);
    }

    [Fact]
    public async Task Animated_answer_shows_the_block_steps_and_then_the_answer()
    {
        using var client = ChatApp.Load(masked.Path);
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        var settings = Settings(maxTokens: 8) with { Animate = true, Steps = 4, BlockLength = 8 };

        var result = await AnimatedAnswer.AskAsync(client, new ChatSession(client, settings), settings, "Hello", console, CancellationToken.None);

        var text = writer.ToString();
        Assert.Contains("block 0 step 3", text, StringComparison.Ordinal);
        Assert.Contains("answer", text, StringComparison.Ordinal);
        Assert.Equal(4, result.ForwardPasses);
    }

    [Fact]
    public void Missing_default_model_message_names_the_model_flag()
    {
        var folder = ModelFolderResolver.Resolve(null, [Path.GetTempPath()], out var problem);

        Assert.Null(folder);
        Assert.Contains("--model <folder>", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_demo_tools_a_weather_question_runs_the_tool_and_ends_in_the_answer_from_its_result()
    {
        // The model calls get_weather first; given the tool result it answers from it.
        static string Script(string prompt, long seed) => prompt.Contains("<tool_response>", StringComparison.Ordinal)
            ? (prompt.Contains("{\"city\":\"Paris\",\"temperature_c\":12,\"conditions\":\"cloudy\"}", StringComparison.Ordinal) ? "It is 12 degrees and cloudy in Paris.<|im_end|>" : "no result<|im_end|>")
            : prompt.Contains("\"name\":\"get_weather\"", StringComparison.Ordinal) ? "<tool_call>{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}</tool_call><|im_end|>" : "no tools offered<|im_end|>";
        using var model = Scripted(Script, out _);
        var settings = Settings("What is the weather in Paris?", maxTokens: 256) with { Tools = true };
        using var output = new StringWriter();
        using var figures = new StringWriter();

        int exit = await ChatApp.RunOnceAsync(ChatApp.WithTools(model, settings), settings, output, figures, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Equal("It is 12 degrees and cloudy in Paris.", output.ToString().Trim());
    }

    [Fact]
    public void Demo_tools_are_on_by_default_and_off_with_no_tools()
    {
        Assert.True(ChatArguments.Parse([]).Tools);
        Assert.False(ChatArguments.Parse(["--no-tools"]).Tools);
        Assert.Null(ChatApp.Tools(ChatArguments.Parse(["--no-tools"])));
        Assert.Equal(["get_weather", "get_time"], ChatApp.Tools(ChatArguments.Parse([]))!.Select(t => t.Name));
    }

    [Theory]
    [InlineData("--max-tokens", "0")]
    [InlineData("--steps", "x")]
    [InlineData("--bogus", "1")]
    public void Bad_command_line_is_rejected_naming_the_value(string flag, string value)
    {
        var ex = Assert.Throws<ArgumentException>(() => ChatArguments.Parse([flag, value]));

        Assert.Contains(flag == "--bogus" ? flag : $"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Passes every call through and keeps the streamed updates, to compare what the app printed with what the client said.</summary>
    private sealed class RecordingChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        public List<ChatResponseUpdate> Updates { get; } = [];

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                Updates.Add(update);
                yield return update;
            }
        }
    }
}
