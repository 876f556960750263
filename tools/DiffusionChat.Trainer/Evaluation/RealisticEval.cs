using System.Diagnostics;
using DiffusionChat.Trainer.Data;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// The realistic eval split: held-out <see cref="AppScenario"/>s sent as an application sends them, through the
/// client <c>services.AddDiffusionChatClient(...)</c> registers, with the tools as <see cref="AIFunction"/>s and
/// otherwise default <see cref="ChatOptions"/> (no <c>MaxOutputTokens</c>, no diffusion settings, no seed).
/// </summary>
/// <remarks>
/// A tool scenario is two requests, as a function-invoking app makes them: the question (scored as the call), then
/// the question, the reference call and the tool's result (scored as the answer), so a wrong call does not also fail
/// the answer. Requests run one at a time.
/// </remarks>
internal static class RealisticEval
{
    /// <summary>Loads <paramref name="modelFolder"/> through dependency injection as an app does and runs the scenarios.</summary>
    /// <param name="modelFolder">The checkpoint folder.</param>
    /// <param name="scenarios">The conversations.</param>
    /// <param name="scaffolding">The registration's <c>Scaffolding</c> setting (on by default for apps).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<List<RealisticResult>> RunAsync(string modelFolder, IReadOnlyList<AppScenario> scenarios, bool scaffolding, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddDiffusionChatClient(options =>
        {
            options.ModelPath = modelFolder;
            options.Scaffolding = scaffolding;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IChatClient>();
        return await RunAsync(client, scenarios, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the scenarios through <paramref name="client"/>.</summary>
    public static async Task<List<RealisticResult>> RunAsync(IChatClient client, IReadOnlyList<AppScenario> scenarios, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(scenarios);
        var results = new List<RealisticResult>();
        foreach (var scenario in scenarios)
        {
            if (scenario.Called is null)
            {
                var (response, seconds, refusal) = await SendAsync(client, scenario.QuestionMessages(), scenario, cancellationToken).ConfigureAwait(false);
                results.Add(Result(scenario, scenario.Family, response, seconds, refusal, response is not null && RealisticScore.Answer(scenario, response), false, string.Join(", ", scenario.AnswerValues)));
                continue;
            }

            var (call, callSeconds, callRefusal) = await SendAsync(client, scenario.QuestionMessages(), scenario, cancellationToken).ConfigureAwait(false);
            var (callRight, wellFormed) = call is null ? (false, false) : RealisticScore.Call(scenario, call);
            var reference = scenario.ReferenceCall();
            results.Add(Result(scenario, scenario.Family + "/call", call, callSeconds, callRefusal, callRight, wellFormed, $"{reference.Name}({scenario.Called.Parameter}: {scenario.Place})"));

            var messages = await scenario.AnswerMessagesAsync(cancellationToken).ConfigureAwait(false);
            var (answer, answerSeconds, answerRefusal) = await SendAsync(client, messages, scenario, cancellationToken).ConfigureAwait(false);
            results.Add(Result(scenario, scenario.Family + "/answer", answer, answerSeconds, answerRefusal, answer is not null && RealisticScore.Answer(scenario, answer), false, string.Join(", ", scenario.AnswerValues)));
        }

        return results;
    }

    /// <summary>
    /// One request with default options plus the tools. A request the client refuses because the prompt and the default
    /// answer budget do not fit the model's context comes back as null with the client's message: an app gets the same
    /// exception, so it counts as a failure.
    /// </summary>
    private static async Task<(ChatResponse? Response, double Seconds, string? Refusal)> SendAsync(IChatClient client, List<ChatMessage> messages, AppScenario scenario, CancellationToken cancellationToken)
    {
        var options = new ChatOptions { Tools = scenario.Functions() };
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await client.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
            return (response, clock.Elapsed.TotalSeconds, null);
        }
        catch (ArgumentException ex) when (ex.Message.Contains("context", StringComparison.Ordinal))
        {
            return (null, clock.Elapsed.TotalSeconds, ex.Message);
        }
    }

    private static RealisticResult Result(AppScenario scenario, string family, ChatResponse? response, double seconds, string? refusal, bool correct, bool wellFormed, string expected)
    {
        int tokens = (int)(response?.Usage?.OutputTokenCount ?? 0);
        int passes = response?.Usage?.AdditionalCounts is { } counts && counts.TryGetValue(DiffusionChat.DiffusionChatClient.ForwardPassesCountName, out long p) ? (int)p : 0;
        var reply = response is null ? $"(refused: {refusal})" : RealisticScore.Describe(response);
        return new RealisticResult(family, scenario.Kind, correct, wellFormed, response is null, tokens, passes, seconds, scenario.Question, expected, reply);
    }
}
