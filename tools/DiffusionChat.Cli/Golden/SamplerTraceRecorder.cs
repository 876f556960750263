using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Cli.Golden;

/// <summary>One denoiser call of our sampler in the layout of the LLaDA / Fast-dLLM golden traces (CPU tensors).</summary>
internal sealed record RecordedCall(
    int Kind, int Block, int Inner, long WindowStart, long WindowEnd, long PastLength, long K,
    Tensor Candidates, Tensor X0InWindow, Tensor X0AllMasks, Tensor Confidence, Tensor Transfer, Tensor X);

/// <summary>
/// Observes the masked sampler and turns its <see cref="SamplerCallTrace"/>s into the reference's per-call records.
/// LLaDA's <c>generate</c> records the argmax at every masked position (later blocks too); Fast-dLLM's records it at
/// candidates and the input token elsewhere in the window, -1 outside it. Both are kept.
/// </summary>
/// <remarks>
/// With <c>fastDllmLoop</c> it also replays Fast-dLLM v1's loop shape, which our sampler does not have: its cache
/// samplers make one more cached call after the cache-building call even when that call already completed the block
/// (the call commits nothing but counts as a forward pass, so the NFE figures match only with it).
/// </remarks>
internal sealed class SamplerTraceRecorder : IMaskedSamplerObserver, IDisposable
{
    private readonly List<RecordedCall> calls = [];
    private readonly long maskTokenId;
    private readonly bool thresholdMode;
    private readonly bool fastDllmLoop;
    private Tensor previous;

    public SamplerTraceRecorder(Tensor initialX, long maskTokenId, bool thresholdMode, bool fastDllmLoop = false)
    {
        this.thresholdMode = thresholdMode;
        this.fastDllmLoop = fastDllmLoop;
        previous = initialX.cpu().clone().DetachFromDisposeScope();
        this.maskTokenId = maskTokenId;
    }

    public IReadOnlyList<RecordedCall> Calls => calls;

    /// <inheritdoc />
    public bool WantsWindowLogits => true;

    /// <inheritdoc />
    public bool CallsAgain(int block, int step, KeyValueCacheMode cache) => fastDllmLoop && cache != KeyValueCacheMode.None && step == 0;

    /// <inheritdoc />
    public void Called(SamplerCallTrace t)
    {
        using var scope = NewDisposeScope();
        var before = previous;
        long rows = before.shape[0], total = before.shape[1], s = t.BlockStart, e = s + t.Candidates.shape[1];
        var logits = t.Logits.cpu();
        var argmax = logits.argmax(-1);
        var blockArgmax = t.Kind is SamplerCallKind.Full or SamplerCallKind.BuildCache ? argmax[.., (int)s..(int)e] : argmax[.., ..(int)(e - s)];
        var cand = t.Candidates.cpu();

        var candidates = zeros(rows, total, dtype: int64);
        candidates[.., (int)s..(int)e] = cand.to(int64);

        var x0Window = HeldScalars.Filled([rows, total], -1L, int64, null);
        x0Window[.., (int)t.WindowStart..(int)t.WindowEnd] = before[.., (int)t.WindowStart..(int)t.WindowEnd];
        x0Window[.., (int)s..(int)e] = where(cand, blockArgmax, before[.., (int)s..(int)e]);

        // LLaDA generate(): where(x == mask, argmax, x) over the whole sequence (full-sequence calls only).
        var x0All = t.Kind == SamplerCallKind.Full ? where(before.IsEqualTo(maskTokenId), argmax, before) : x0Window.clone();

        var confidence = HeldScalars.Filled([rows, total], double.NegativeInfinity, float64, null);
        confidence[.., (int)s..(int)e] = where(cand, t.Probability.cpu(), tensor(double.NegativeInfinity, dtype: float64));

        var transfer = zeros(rows, total, dtype: int64);
        transfer[.., (int)s..(int)e] = t.Transfer.cpu().to(int64);

        long pastLength = t.Kind switch
        {
            SamplerCallKind.PrefixCached => s,
            SamplerCallKind.DualCached => total,
            _ => 0,
        };
        long k = thresholdMode ? cand.sum().item<long>() : t.Count;
        var x = t.X.cpu().clone();
        calls.Add(new RecordedCall((int)t.Kind, t.Block, t.Inner, t.WindowStart, t.WindowEnd, pastLength, k,
            candidates.DetachFromDisposeScope(), x0Window.DetachFromDisposeScope(), x0All.DetachFromDisposeScope(),
            confidence.DetachFromDisposeScope(), transfer.DetachFromDisposeScope(), x.DetachFromDisposeScope()));
        previous = x;
    }

    public void Dispose()
    {
        foreach (var c in calls)
        {
            c.Candidates.Dispose();
            c.X0InWindow.Dispose();
            c.X0AllMasks.Dispose();
            c.Confidence.Dispose();
            c.Transfer.Dispose();
            c.X.Dispose();
        }
    }
}
