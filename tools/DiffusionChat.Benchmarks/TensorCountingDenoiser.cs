using DiffusionChat.Models;
using TorchSharp;

namespace DiffusionChat.Benchmarks;

/// <summary>
/// Wraps a masked denoiser to read TorchSharp's live-tensor count where the tensors are made: on the sampler's
/// thread, at every forward pass.
/// </summary>
/// <remarks>
/// TorchSharp counts tensors per thread (<c>DisposeScopeManager.Statistics.ThreadTotalLiveCount</c>) and the sampler
/// runs on pool threads, so the process-wide number is not observable. What is: the highest count any sampler thread
/// holds at a forward pass within a window of requests. Tensors leaked by a request stay counted on its thread, and
/// the pool reuses a handful of threads, so a leak shows as this maximum growing from window to window.
/// </remarks>
internal sealed class TensorCountingDenoiser(IMaskedDenoiser inner) : IMaskedDenoiser
{
    private long maxLive;

    /// <summary>Highest live-tensor count seen on a sampler thread since the last <see cref="ResetWindow"/>.</summary>
    public long MaxLiveInWindow => Interlocked.Read(ref maxLive);

    public torch.Device Device => inner.Device;

    public torch.ScalarType DType => inner.DType;

    public int VocabSize => inner.VocabSize;

    public long MaskTokenId => inner.MaskTokenId;

    public long? EosTokenId => inner.EosTokenId;

    public bool SupportsKeyValueCache => inner.SupportsKeyValueCache;

    /// <summary>Starts a new window.</summary>
    public void ResetWindow() => Interlocked.Exchange(ref maxLive, 0);

    public torch.Tensor Forward(torch.Tensor ids, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, torch.Tensor? sigma = null, Range? logitsFor = null) =>
        Observed(inner.Forward(ids, attentionMask, positionIds, sigma, logitsFor));

    public torch.Tensor ForwardWithCache(torch.Tensor ids, torch.Tensor? attentionMask, torch.Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null) =>
        Observed(inner.ForwardWithCache(ids, attentionMask, positionIds, out cache, logitsFor));

    public torch.Tensor ForwardWindow(torch.Tensor windowIds, long start, KeyValueCache cache, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, Range? logitsFor = null) =>
        Observed(inner.ForwardWindow(windowIds, start, cache, attentionMask, positionIds, logitsFor));

    public void Dispose() => inner.Dispose();

    private torch.Tensor Observed(torch.Tensor logits)
    {
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long seen;
        do
        {
            seen = Interlocked.Read(ref maxLive);
        }
        while (live > seen && Interlocked.CompareExchange(ref maxLive, live, seen) != seen);

        return logits;
    }
}
