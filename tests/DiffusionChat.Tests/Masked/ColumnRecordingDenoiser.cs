using DiffusionChat.Models;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// Wraps a real denoiser (not owned) and records how many columns (sequence positions) every pass computed, whatever
/// kind of call it was, so a test can see what a sampler pays per pass.
/// </summary>
internal sealed class ColumnRecordingDenoiser(IMaskedDenoiser inner) : IMaskedDenoiser
{
    private readonly List<long> columns = [];

    /// <summary>Columns computed by every pass so far, in order.</summary>
    public IReadOnlyList<long> Columns => columns;

    public Device Device => inner.Device;

    public ScalarType DType => inner.DType;

    public int VocabSize => inner.VocabSize;

    public long MaskTokenId => inner.MaskTokenId;

    public long? EosTokenId => inner.EosTokenId;

    public bool SupportsKeyValueCache => inner.SupportsKeyValueCache;

    public int? AttentionBlockSize => inner.AttentionBlockSize;

    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? positionIds = null, Tensor? sigma = null, Range? logitsFor = null) =>
        Recorded(ids, inner.Forward(ids, attentionMask, positionIds, sigma, logitsFor));

    public Tensor ForwardWithCache(Tensor ids, Tensor? attentionMask, Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null) =>
        Recorded(ids, inner.ForwardWithCache(ids, attentionMask, positionIds, out cache, logitsFor));

    public Tensor ForwardWindow(Tensor windowIds, long start, KeyValueCache cache, Tensor? attentionMask = null, Tensor? positionIds = null, Range? logitsFor = null) =>
        Recorded(windowIds, inner.ForwardWindow(windowIds, start, cache, attentionMask, positionIds, logitsFor));

    public Tensor ForwardAppending(Tensor windowIds, KeyValueCache cache, Tensor? attentionMask, Tensor? positionIds, int append, Range? logitsFor = null) =>
        Recorded(windowIds, inner.ForwardAppending(windowIds, cache, attentionMask, positionIds, append, logitsFor));

    public void Dispose()
    {
        // The inner denoiser belongs to the test.
    }

    private Tensor Recorded(Tensor ids, Tensor logits)
    {
        columns.Add(ids.shape[1]);
        return logits;
    }
}
