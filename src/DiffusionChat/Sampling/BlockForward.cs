using DiffusionChat.Models;
using static TorchSharp.torch;

namespace DiffusionChat.Sampling;

/// <summary>
/// The denoiser call of each step within one block: the whole sequence every step, or, with a Fast-dLLM cache, the
/// whole sequence on the first step (which builds the cache) and then only a window over it (prefix: block to the end;
/// dual: the block alone). Owns the block's cache.
/// </summary>
internal sealed class BlockForward : IDisposable
{
    private readonly IMaskedDenoiser model;
    private readonly PaddedBatch batch;
    private readonly KeyValueCacheMode mode;
    private readonly bool windowLogits;
    private readonly int start;
    private readonly int end;
    private KeyValueCache? cache;

    /// <summary>Prepares the calls of the block [<paramref name="start"/>, <paramref name="end"/>).</summary>
    /// <param name="model">The denoiser (not owned).</param>
    /// <param name="batch">The padded batch (its attention mask and positions).</param>
    /// <param name="start">The block's first column.</param>
    /// <param name="end">The column after the block.</param>
    /// <param name="mode">No cache, or the Fast-dLLM cache to build and read.</param>
    /// <param name="windowLogits">Return logits for the call's whole window (observers), not only the block's.</param>
    public BlockForward(IMaskedDenoiser model, PaddedBatch batch, int start, int end, KeyValueCacheMode mode, bool windowLogits)
    {
        this.model = model;
        this.batch = batch;
        this.mode = mode;
        this.windowLogits = windowLogits;
        (this.start, this.end) = (start, end);
    }

    /// <summary>The step's call on <paramref name="x"/> [B, T].</summary>
    /// <param name="x">The batch's current ids.</param>
    /// <param name="step">The step within the block (0 builds the cache).</param>
    /// <returns>
    /// What kind of call it was, its window, its logits (the block's, or the window's with <c>windowLogits</c>) and
    /// the block's slice of them [B, blockLength, V].
    /// </returns>
    public (SamplerCallKind Kind, long WindowStart, long WindowEnd, Tensor Logits, Tensor BlockLogits) Call(Tensor x, int step)
    {
        int total = (int)x.shape[1];
        Range? blockOnly = windowLogits ? null : start..end;
        if (mode == KeyValueCacheMode.None)
        {
            var full = model.Forward(x, batch.AttentionMask, batch.PositionIds, logitsFor: blockOnly);
            return (SamplerCallKind.Full, 0, total, full, windowLogits ? full[.., start..end] : full);
        }

        if (step == 0)
        {
            // The cache is built from x before this step's commit and never refreshed inside the block (Fast-dLLM).
            var full = model.ForwardWithCache(x, batch.AttentionMask, batch.PositionIds, out var built, blockOnly);
            cache = built;
            return (SamplerCallKind.BuildCache, 0, total, full, windowLogits ? full[.., start..end] : full);
        }

        int windowEnd = mode == KeyValueCacheMode.Prefix ? total : end;
        var window = model.ForwardWindow(x[.., start..windowEnd], start, cache!, batch.AttentionMask, batch.PositionIds, windowLogits ? null : ..(end - start));
        var kind = mode == KeyValueCacheMode.Prefix ? SamplerCallKind.PrefixCached : SamplerCallKind.DualCached;
        return (kind, start, windowEnd, window, windowLogits ? window[.., ..(end - start)] : window);
    }

    /// <summary>Frees the block's cache.</summary>
    public void Dispose() => cache?.Dispose();
}
