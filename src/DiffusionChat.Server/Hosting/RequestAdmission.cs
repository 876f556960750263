namespace DiffusionChat.Server.Hosting;

/// <summary>
/// Counts requests that hold a place (generating or waiting in the model's queue) and refuses one past the limit, so an
/// overloaded server answers 429 at once instead of letting callers pile up behind the library's bounded queue.
/// </summary>
internal sealed class RequestAdmission(int limit)
{
    private int active;

    /// <summary>Requests holding a place now.</summary>
    public int Active => Volatile.Read(ref active);

    public int Limit => limit;

    /// <summary>Takes a place; null when all <see cref="Limit"/> places are taken. Dispose the lease to give it back.</summary>
    public IDisposable? TryEnter()
    {
        if (Interlocked.Increment(ref active) > limit)
        {
            Interlocked.Decrement(ref active);
            return null;
        }

        return new Lease(this);
    }

    private sealed class Lease(RequestAdmission owner) : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                Interlocked.Decrement(ref owner.active);
            }
        }
    }
}
