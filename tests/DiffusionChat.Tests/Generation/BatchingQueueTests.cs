using DiffusionChat.Generation;

namespace DiffusionChat.Tests.Generation;

public class BatchingQueueTests
{
    [Fact]
    public async Task Queued_requests_with_the_same_key_share_one_batch()
    {
        var gate = new TaskCompletionSource();
        var firstStarted = new TaskCompletionSource();
        var batches = new List<int[]>();
        await using var queue = new BatchingQueue<int, int>(
            async (items, ct) =>
            {
                firstStarted.TrySetResult();
                await gate.Task.WaitAsync(ct);
                lock (batches)
                {
                    batches.Add(items.Select(i => i.Request).ToArray());
                }

                foreach (var item in items)
                {
                    item.Completion.TrySetResult(item.Request * 10);
                }
            },
            batchKey: _ => "same",
            capacity: 16,
            maxBatchSize: 8);

        var blocker = queue.EnqueueAsync(0, CancellationToken.None); // occupies the worker until the gate opens
        await firstStarted.Task;
        var waiting = Enumerable.Range(1, 5).Select(i => queue.EnqueueAsync(i, CancellationToken.None)).ToList();
        gate.SetResult();

        Assert.Equal(0, await blocker);
        Assert.Equal(new[] { 10, 20, 30, 40, 50 }, await Task.WhenAll(waiting));
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, batches[1]);
    }

    [Fact]
    public async Task Cancelled_caller_gets_OperationCanceledException_while_the_batch_goes_on()
    {
        var gate = new TaskCompletionSource();
        await using var queue = new BatchingQueue<int, int>(
            async (items, ct) =>
            {
                await gate.Task;
                foreach (var item in items)
                {
                    item.Completion.TrySetResult(item.Request);
                }
            },
            batchKey: _ => "same",
            capacity: 4,
            maxBatchSize: 4);
        using var cts = new CancellationTokenSource();

        var kept = queue.EnqueueAsync(1, CancellationToken.None);
        var cancelled = queue.EnqueueAsync(2, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();
        Assert.Equal(1, await kept);
    }

    [Fact]
    public async Task Batch_failure_reaches_every_caller_and_the_worker_survives()
    {
        int calls = 0;
        await using var queue = new BatchingQueue<int, int>(
            (items, ct) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("boom");
                }

                foreach (var item in items)
                {
                    item.Completion.TrySetResult(7);
                }

                return Task.CompletedTask;
            },
            batchKey: _ => "same",
            capacity: 4,
            maxBatchSize: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.EnqueueAsync(1, CancellationToken.None));
        Assert.Equal(7, await queue.EnqueueAsync(2, CancellationToken.None));
    }

    [Fact]
    public async Task A_request_whose_batch_key_throws_fails_alone_and_the_worker_survives()
    {
        await using var queue = new BatchingQueue<int, int>(
            (items, ct) =>
            {
                foreach (var item in items)
                {
                    item.Completion.TrySetResult(item.Request * 10);
                }

                return Task.CompletedTask;
            },
            batchKey: request => request < 0 ? throw new NotSupportedException("negative") : "same",
            capacity: 4,
            maxBatchSize: 4);

        var bad = queue.EnqueueAsync(-1, CancellationToken.None);
        var good = queue.EnqueueAsync(2, CancellationToken.None);

        await Assert.ThrowsAsync<NotSupportedException>(() => bad).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(20, await good.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(30, await queue.EnqueueAsync(3, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Enqueue_after_dispose_throws_ObjectDisposedException()
    {
        var queue = new BatchingQueue<int, int>((items, ct) => Task.CompletedTask, _ => "k", 1, 1);
        await queue.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => queue.EnqueueAsync(1, CancellationToken.None));
    }
}
