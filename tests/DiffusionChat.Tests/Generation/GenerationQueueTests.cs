using DiffusionChat.Generation;
using DiffusionChat.Sampling;

namespace DiffusionChat.Tests.Generation;

public sealed class GenerationQueueTests
{
    [Fact]
    public async Task A_batch_runs_as_one_generator_call_and_each_request_gets_the_result_generated_for_it()
    {
        using var generator = new EchoGenerator();
        await using var queue = new GenerationQueue(generator, capacity: 16, maxBatchSize: 8);

        var blocker = queue.EnqueueAsync(Request(0), CancellationToken.None); // holds the generation thread at the gate
        await generator.FirstCallStarted.Task;
        var waiting = Enumerable.Range(1, 4).Select(i => queue.EnqueueAsync(Request(i), CancellationToken.None)).ToList();
        generator.Gate.SetResult();

        Assert.Equal(new[] { 0 }, (await blocker).Tokens);
        var results = await Task.WhenAll(waiting);
        Assert.Equal(new[] { new[] { 1 }, new[] { 2 }, new[] { 3 }, new[] { 4 } }, results.Select(r => r.Tokens.ToArray()));
        Assert.Equal(new[] { 1, 4 }, generator.BatchSizes);
    }

    [Fact]
    public async Task A_generator_that_returns_too_few_results_fails_every_request_of_the_batch()
    {
        using var generator = new EchoGenerator { DropLastResult = true };
        generator.Gate.SetResult();
        await using var queue = new GenerationQueue(generator, capacity: 4, maxBatchSize: 4);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync(Request(7), CancellationToken.None));
        Assert.Contains("0 results for a batch of 1", ex.Message, StringComparison.Ordinal);
    }

    private static GenerationRequest Request(int id) => new([id], 4, TokenSampling.Greedy, new DiffusionGenerationOptions());

    /// <summary>Answers each request with its own prompt; the first call waits at <see cref="Gate"/>.</summary>
    private sealed class EchoGenerator : ITokenGenerator
    {
        public TaskCompletionSource FirstCallStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool DropLastResult { get; init; }

        public List<int> BatchSizes { get; } = [];

        public ModelFamily Family => ModelFamily.MaskedDiffusion;

        public int MaxSequenceLength => 64;

        public DiffusionGenerationOptions DefaultDiffusion { get; } = new();

        public object BatchKey(GenerationRequest request) => "same";

        public void Validate(GenerationRequest request)
        {
        }

        public async Task<IReadOnlyList<GenerationResult>> GenerateAsync(IReadOnlyList<GenerationRequest> batch, CancellationToken cancellationToken)
        {
            BatchSizes.Add(batch.Count);
            FirstCallStarted.TrySetResult();
            await Gate.Task.WaitAsync(cancellationToken);
            var results = batch.Select(r => new GenerationResult(r.PromptTokens, GenerationFinishReason.EndOfSequence, 1)).ToList();
            return DropLastResult ? results[..^1] : results;
        }

        public void Dispose()
        {
        }
    }
}
