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
internal sealed class TensorCountingDenoiser(IMaskedDenoiser inner) : DelegatingMaskedDenoiser(inner)
{
    private long maxLive;

    /// <summary>Highest live-tensor count seen on a sampler thread since the last <see cref="ResetWindow"/>.</summary>
    public long MaxLiveInWindow => Interlocked.Read(ref maxLive);

    /// <summary>Starts a new window.</summary>
    public void ResetWindow() => Interlocked.Exchange(ref maxLive, 0);

    protected override torch.Tensor OnForward(torch.Tensor logits)
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
