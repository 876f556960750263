using System.Threading.Channels;

namespace DiffusionChat.Generation;

/// <summary>
/// A bounded queue in front of one batch worker: concurrent callers enqueue work; the worker takes every queued item that
/// can share a batch with the oldest one (same <c>batchKey</c>, up to <c>maxBatchSize</c>) and runs them together.
/// </summary>
/// <remarks>
/// A caller whose token is cancelled gets <see cref="OperationCanceledException"/> at once; its item is dropped if the
/// batch has not started, and otherwise its result is discarded while the rest of the batch goes on. The batch's own
/// token is cancelled only when every caller in it has cancelled, or on dispose.
/// </remarks>
/// <typeparam name="TRequest">The work item.</typeparam>
/// <typeparam name="TResult">Its result.</typeparam>
internal sealed class BatchingQueue<TRequest, TResult> : IAsyncDisposable
{
    private readonly Channel<WorkItem> channel;
    private readonly Func<IReadOnlyList<WorkItem>, CancellationToken, Task> runBatch;
    private readonly Func<TRequest, object> batchKey;
    private readonly int maxBatchSize;
    private readonly CancellationTokenSource shutdown = new();
    private readonly Task worker;
    private WorkItem? carried;

    /// <param name="runBatch">Runs a batch; must complete every item (result or exception).</param>
    /// <param name="batchKey">Items with equal keys may share a batch.</param>
    /// <param name="capacity">Queued items before <see cref="EnqueueAsync"/> waits for room.</param>
    /// <param name="maxBatchSize">Most items per batch.</param>
    public BatchingQueue(Func<IReadOnlyList<WorkItem>, CancellationToken, Task> runBatch, Func<TRequest, object> batchKey, int capacity, int maxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(runBatch);
        ArgumentNullException.ThrowIfNull(batchKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        this.runBatch = runBatch;
        this.batchKey = batchKey;
        this.maxBatchSize = maxBatchSize;
        channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        // One dedicated thread runs every batch: LibTorch's allocations then come from one thread instead of whichever
        // pool threads continuations land on, which keeps glibc from growing a malloc arena per thread.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Work();
                done.SetResult();
            }
#pragma warning disable CA1031 // Surfaced through the worker task.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "DiffusionChat generation",
        };
        thread.Start();
        worker = done.Task;
    }

    /// <summary>Queues a request and waits for its result.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The queue was disposed.</exception>
    public async Task<TResult> EnqueueAsync(TRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var item = new WorkItem(request, cancellationToken);
        try
        {
            await channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(BatchingQueue<TRequest, TResult>), "The generation queue has been shut down.");
        }

        return await item.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        channel.Writer.TryComplete();
        await shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }

        while (channel.Reader.TryRead(out var left))
        {
            left.Completion.TrySetException(new ObjectDisposedException(nameof(BatchingQueue<TRequest, TResult>)));
        }

        carried?.Completion.TrySetException(new ObjectDisposedException(nameof(BatchingQueue<TRequest, TResult>)));
        shutdown.Dispose();
    }

    private void Work()
    {
        while (!shutdown.IsCancellationRequested)
        {
            var first = carried;
            carried = null;
            if (first is null)
            {
                if (!channel.Reader.WaitToReadAsync(shutdown.Token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }

                if (!channel.Reader.TryRead(out first))
                {
                    continue;
                }
            }

            if (first.CallerToken.IsCancellationRequested)
            {
                first.Completion.TrySetCanceled(first.CallerToken);
                continue;
            }

            var batch = new List<WorkItem> { first };
            if (!TryKey(first, out var key))
            {
                continue;
            }

            while (batch.Count < maxBatchSize && channel.Reader.TryRead(out var next))
            {
                if (next.CallerToken.IsCancellationRequested)
                {
                    next.Completion.TrySetCanceled(next.CallerToken);
                }
                else if (!TryKey(next, out var nextKey))
                {
                    // Its caller has the exception; the batch goes on without it.
                }
                else if (Equals(nextKey, key))
                {
                    batch.Add(next);
                }
                else
                {
                    // Different settings: it opens the next batch (order between keys is kept).
                    carried = next;
                    break;
                }
            }

            RunAsync(batch).GetAwaiter().GetResult();
        }
    }

    /// <summary>The item's batch key; a key function that throws fails that item alone and keeps the worker alive.</summary>
    private bool TryKey(WorkItem item, out object key)
    {
        try
        {
            key = batchKey(item.Request);
            return true;
        }
#pragma warning disable CA1031 // The failure goes to the item's caller.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            item.Completion.TrySetException(ex);
            key = item;
            return false;
        }
    }

    private async Task RunAsync(List<WorkItem> batch)
    {
        using var allCancelled = CancellationTokenSource.CreateLinkedTokenSource(shutdown.Token);
        int remaining = batch.Count;
        var registrations = batch.Select(item => item.CallerToken.Register(() =>
        {
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                allCancelled.Cancel();
            }
        })).ToList();
        try
        {
            await runBatch(batch, allCancelled.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The worker must survive any batch failure; the failure goes to the callers.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var item in batch)
            {
                if (ex is OperationCanceledException && item.CallerToken.IsCancellationRequested)
                {
                    item.Completion.TrySetCanceled(item.CallerToken);
                }
                else
                {
                    item.Completion.TrySetException(ex);
                }
            }
        }
        finally
        {
            foreach (var r in registrations)
            {
                await r.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (var item in batch)
        {
            item.Completion.TrySetException(new InvalidOperationException("The batch finished without a result for this request."));
        }
    }

    /// <summary>One queued request with its caller's token and completion.</summary>
    internal sealed class WorkItem(TRequest request, CancellationToken callerToken)
    {
        public TRequest Request { get; } = request;

        public CancellationToken CallerToken { get; } = callerToken;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
