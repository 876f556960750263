using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// Many callers on one client: batched answers equal single answers, one caller's cancellation leaves the others
/// untouched, and cancellation stops the model within one denoising step (counted in forward passes, never timed).
/// </summary>
public sealed class ConcurrencyTests(ReliabilityModel model, ITestOutputHelper output) : IClassFixture<ReliabilityModel>
{
    private const int Callers = 32;

    private static ChatOptions Greedy => new() { MaxOutputTokens = 8, Seed = 11, Temperature = 0 };

    private static ChatMessage[] Question(int i) => [new(ChatRole.User, $"Question {i}: what comes after {i * 7}?")];

    [Fact]
    public async Task Thirty_two_concurrent_greedy_requests_each_equal_their_single_request_result()
    {
        var expected = await SingleAnswersAsync();
        using var client = model.NewClient(new DiffusionChatClientOptions { MaxBatchSize = 16 });

        var answers = await Task.WhenAll(Enumerable.Range(0, Callers).Select(i => Task.Run(async () => (await client.GetResponseAsync(Question(i), Greedy)).Text)));

        Assert.Equal(expected, answers);
    }

    [Fact]
    public async Task Cancelling_one_request_mid_flight_leaves_the_other_thirty_one_correct()
    {
        var expected = await SingleAnswersAsync();
        const int victim = 5;
        using var gate = new ManualResetEventSlim(false);
        using var victimCancellation = new CancellationTokenSource();
        // The blocker is one 4-token block at 4 steps: passes 1-4; the shared batch starts at pass 5.
        const int blockerPasses = 4;
        using var client = CountingDenoiser.Client(model, pass =>
        {
            if (pass == 1)
            {
                // The blocker's first pass waits until all 32 callers are queued, so they share the next batch.
                gate.Wait(TimeSpan.FromSeconds(30));
            }

            if (pass == blockerPasses + 2)
            {
                victimCancellation.Cancel();
            }
        }, out var counter, new DiffusionChatClientOptions { MaxBatchSize = Callers });
        var blocker = client.GetResponseAsync([new(ChatRole.User, "Blocker")], new ChatOptions { MaxOutputTokens = 4, Seed = 3 });

        var calls = Enumerable.Range(0, Callers)
            .Select(i => client.GetResponseAsync(Question(i), Greedy, i == victim ? victimCancellation.Token : CancellationToken.None))
            .ToList();
        gate.Set();
        await blocker;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => calls[victim]);
        for (int i = 0; i < Callers; i++)
        {
            if (i != victim)
            {
                Assert.Equal(expected[i], (await calls[i]).Text);
            }
        }

        Assert.True(victimCancellation.IsCancellationRequested, "the victim was cancelled while its batch ran");
        // Every survivor reports the passes of the one batch they shared; nothing else ran after the blocker.
        var batchPasses = (await calls[0]).Usage!.AdditionalCounts![DiffusionChatClient.ForwardPassesCountName];
        Assert.Equal(blockerPasses + batchPasses, counter.ForwardPasses);
        Assert.True(batchPasses > 2, "the shared batch went on after the victim left");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task Cancellation_during_step_k_allows_at_most_one_more_forward_pass(int k)
    {
        using var cancellation = new CancellationTokenSource();
        var client = CountingDenoiser.Client(model, pass =>
        {
            if (pass == k)
            {
                cancellation.Cancel();
            }
        }, out var counter);

        // 16 answer tokens = 4 blocks x 4 steps = 16 passes if nothing stopped it.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            client.GetResponseAsync(Question(1), new ChatOptions { MaxOutputTokens = 16, Seed = 1 }, cancellation.Token));

        // Disposing waits for the generation worker, so every pass it would still make has been made.
        client.Dispose();
        output.WriteLine($"cancelled during pass {k}: {counter.ForwardPasses} passes in total");
        Assert.InRange(counter.ForwardPasses, k, k + 1);
    }

    private async Task<string[]> SingleAnswersAsync()
    {
        using var client = model.NewClient(new DiffusionChatClientOptions { MaxBatchSize = 1 });
        var answers = new string[Callers];
        for (int i = 0; i < Callers; i++)
        {
            answers[i] = (await client.GetResponseAsync(Question(i), Greedy)).Text;
        }

        // Equal answers prove nothing if every caller gets the same (or no) text: the prompts must tell them apart.
        Assert.All(answers, a => Assert.False(string.IsNullOrEmpty(a)));
        Assert.True(answers.Distinct().Count() > Callers / 2, $"only {answers.Distinct().Count()} distinct answers to {Callers} questions");
        return answers;
    }
}
