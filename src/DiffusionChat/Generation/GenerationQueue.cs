namespace DiffusionChat.Generation;

/// <summary>
/// The one bounded queue in front of a model's generator: a chat call enqueues its <see cref="GenerationRequest"/>
/// and awaits its <see cref="GenerationResult"/>; requests with equal <see cref="ITokenGenerator.BatchKey"/> share a
/// batch, and the batches run one at a time on the generation thread (<see cref="BatchingQueue{TRequest, TResult}"/>).
/// </summary>
/// <remarks>
/// The queue calls the generator itself, so a request goes client -> queue -> generator and its result comes back
/// the same way; the committed tokens reach the caller through the request's <see cref="GenerationRequest.OnUpdate"/>.
/// Does not own the generator.
/// </remarks>
internal sealed class GenerationQueue : IAsyncDisposable
{
    private readonly ITokenGenerator generator;
    private readonly BatchingQueue<GenerationRequest, GenerationResult> queue;

    /// <param name="generator">The model's generator.</param>
    /// <param name="capacity">Queued requests before <see cref="EnqueueAsync"/> waits for room.</param>
    /// <param name="maxBatchSize">Most requests per batch.</param>
    public GenerationQueue(ITokenGenerator generator, int capacity, int maxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(generator);
        this.generator = generator;
        queue = new BatchingQueue<GenerationRequest, GenerationResult>(RunBatchAsync, generator.BatchKey, capacity, maxBatchSize);
    }

    /// <summary>Queues a request and waits for its result.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public Task<GenerationResult> EnqueueAsync(GenerationRequest request, CancellationToken cancellationToken) =>
        queue.EnqueueAsync(request, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => queue.DisposeAsync();

    private async Task RunBatchAsync(IReadOnlyList<BatchingQueue<GenerationRequest, GenerationResult>.WorkItem> batch, CancellationToken cancellationToken)
    {
        var results = await generator.GenerateAsync(batch.Select(b => b.Request).ToList(), cancellationToken).ConfigureAwait(false);
        if (results.Count != batch.Count)
        {
            throw new InvalidOperationException($"The generator returned {results.Count} results for a batch of {batch.Count} requests.");
        }

        for (int i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(results[i]);
        }

        NativeHeap.Trim();
    }
}
