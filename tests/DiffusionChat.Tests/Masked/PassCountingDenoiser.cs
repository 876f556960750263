using DiffusionChat.Models;
using TorchSharp;

namespace DiffusionChat.Tests.Masked;

/// <summary>Counts the forward passes of a real denoiser and the batch rows each one computed.</summary>
/// <param name="inner">The denoiser.</param>
/// <param name="ownsInner">Whether disposing the counter disposes <paramref name="inner"/>.</param>
internal sealed class PassCountingDenoiser(IMaskedDenoiser inner, bool ownsInner = false) : DelegatingMaskedDenoiser(inner)
{
    private readonly List<long> rows = [];

    /// <summary>Rows of every pass so far, in order.</summary>
    public IReadOnlyList<long> RowsPerPass => rows;

    /// <summary>Called after each pass with the number of passes so far (on the sampler's thread), e.g. to cancel.</summary>
    public Action<int>? AfterPass { get; set; }

    protected override torch.Tensor OnForward(torch.Tensor logits)
    {
        rows.Add(logits.shape[0]);
        AfterPass?.Invoke(rows.Count);
        return logits;
    }

    protected override void Dispose(bool disposing)
    {
        if (ownsInner)
        {
            base.Dispose(disposing);
        }
    }
}
