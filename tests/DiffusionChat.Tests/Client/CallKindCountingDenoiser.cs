using DiffusionChat.Models;
using TorchSharp;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// Wraps a real denoiser and counts its calls by kind (full pass, cache build, cached window pass), so a test can see
/// which cache mode reached the sampler. Disposing it disposes the inner denoiser.
/// </summary>
internal sealed class CallKindCountingDenoiser(IMaskedDenoiser inner) : IMaskedDenoiser
{
    public int FullPasses { get; private set; }

    public int CacheBuilds { get; private set; }

    public int WindowPasses { get; private set; }

    public torch.Device Device => inner.Device;

    public torch.ScalarType DType => inner.DType;

    public int VocabSize => inner.VocabSize;

    public long MaskTokenId => inner.MaskTokenId;

    public long? EosTokenId => inner.EosTokenId;

    public bool SupportsKeyValueCache => inner.SupportsKeyValueCache;

    public torch.Tensor Forward(torch.Tensor ids, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, torch.Tensor? sigma = null, Range? logitsFor = null)
    {
        FullPasses++;
        return inner.Forward(ids, attentionMask, positionIds, sigma, logitsFor);
    }

    public torch.Tensor ForwardWithCache(torch.Tensor ids, torch.Tensor? attentionMask, torch.Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null)
    {
        CacheBuilds++;
        return inner.ForwardWithCache(ids, attentionMask, positionIds, out cache, logitsFor);
    }

    public torch.Tensor ForwardWindow(torch.Tensor windowIds, long start, KeyValueCache cache, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, Range? logitsFor = null)
    {
        WindowPasses++;
        return inner.ForwardWindow(windowIds, start, cache, attentionMask, positionIds, logitsFor);
    }

    public void Dispose() => inner.Dispose();
}
