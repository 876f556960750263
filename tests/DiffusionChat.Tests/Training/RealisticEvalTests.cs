using System.Runtime.CompilerServices;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Evaluation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Tests.Training;

public sealed class RealisticEvalTests
{
    /// <summary>An app's view of a perfect model: it calls the tool the prompt lists for the question and answers from the result.</summary>
    private sealed class OracleClient(IReadOnlyList<AppScenario> scenarios, bool refuseAnswers = false) : IChatClient
    {
        public List<ChatOptions?> Options { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Options.Add(options);
            var list = messages.ToList();
            var scenario = scenarios.First(s => s.Question == list.Last(m => m.Role == ChatRole.User).Text);
            var usage = new UsageDetails { OutputTokenCount = 10, AdditionalCounts = new() { ["forward_passes"] = 4 } };
            if (scenario.Called is not null && list[^1].Role == ChatRole.User)
            {
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [scenario.ReferenceCall()])) { Usage = usage });
            }

            if (refuseAnswers)
            {
                throw new ArgumentOutOfRangeException(nameof(options), 256, "ChatOptions.MaxOutputTokens 256 plus the 500-token prompt exceeds model 'm''s context of 640 tokens.");
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, scenario.Answer)) { Usage = usage });
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new NotSupportedException();
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private static readonly IReadOnlyList<AppScenario> Scenarios = new AppPromptGenerator(DataSplit.HeldOut, PlaceFixture.Places, seed: 11).Generate(20);

    [Fact]
    public async Task A_model_that_calls_and_answers_right_scores_every_request_right_and_passes_per_token_come_from_the_usage()
    {
        using var client = new OracleClient(Scenarios);

        var results = await RealisticEval.RunAsync(client, Scenarios, CancellationToken.None);

        Assert.Equal(Scenarios.Sum(s => s.Called is null ? 1 : 2), results.Count);
        Assert.All(results, r => Assert.True(r.Correct, $"{r.Family}: {r.Question} -> {r.Reply}"));
        Assert.All(results.Where(r => r.Family.EndsWith("/call", StringComparison.Ordinal)), r => Assert.True(r.WellFormedCall));
        Assert.Contains("0.40", RealisticReport.Write("m", 20, 11, true, results, TimeSpan.FromSeconds(1), 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Requests_carry_the_tools_and_otherwise_default_options()
    {
        using var client = new OracleClient(Scenarios);

        await RealisticEval.RunAsync(client, Scenarios, CancellationToken.None);

        Assert.All(client.Options, o =>
        {
            Assert.NotNull(o);
            Assert.NotEmpty(o.Tools!);
            Assert.Null(o.MaxOutputTokens);
            Assert.Null(o.Temperature);
            Assert.Null(o.AdditionalProperties);
        });
    }

    [Fact]
    public async Task A_request_the_client_refuses_for_the_context_counts_as_a_failure_that_did_not_fit()
    {
        using var client = new OracleClient(Scenarios, refuseAnswers: true);

        var results = await RealisticEval.RunAsync(client, Scenarios, CancellationToken.None);

        var answers = results.Where(r => r.Family.EndsWith("/answer", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(answers);
        Assert.All(answers, r => Assert.True(r.DidNotFit && !r.Correct));
    }
}
