using TorchSharp;

namespace DiffusionChat.Models;

/// <summary>
/// An <see cref="IMaskedDenoiser"/> that passes every call to an inner denoiser; derive from it to observe or adjust
/// forward passes (counting, instrumentation) without re-implementing the rest, as
/// <c>DelegatingChatClient</c> does for chat clients. Every forward pass goes through <see cref="OnForward"/>.
/// </summary>
/// <remarks>Disposing the wrapper disposes the inner denoiser.</remarks>
public abstract class DelegatingMaskedDenoiser : IMaskedDenoiser
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The denoiser that does the work; owned by the wrapper.</param>
    protected DelegatingMaskedDenoiser(IMaskedDenoiser inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The wrapped denoiser.</summary>
    protected IMaskedDenoiser Inner { get; }

    /// <inheritdoc />
    public torch.Device Device => Inner.Device;

    /// <inheritdoc />
    public torch.ScalarType DType => Inner.DType;

    /// <inheritdoc />
    public int VocabSize => Inner.VocabSize;

    /// <inheritdoc />
    public long MaskTokenId => Inner.MaskTokenId;

    /// <inheritdoc />
    public long? EosTokenId => Inner.EosTokenId;

    /// <inheritdoc />
    public bool SupportsKeyValueCache => Inner.SupportsKeyValueCache;

    /// <inheritdoc />
    public torch.Tensor Forward(torch.Tensor ids, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, torch.Tensor? sigma = null, Range? logitsFor = null) =>
        OnForward(Inner.Forward(ids, attentionMask, positionIds, sigma, logitsFor));

    /// <inheritdoc />
    public torch.Tensor ForwardWithCache(torch.Tensor ids, torch.Tensor? attentionMask, torch.Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null) =>
        OnForward(Inner.ForwardWithCache(ids, attentionMask, positionIds, out cache, logitsFor));

    /// <inheritdoc />
    public torch.Tensor ForwardWindow(torch.Tensor windowIds, long start, KeyValueCache cache, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, Range? logitsFor = null) =>
        OnForward(Inner.ForwardWindow(windowIds, start, cache, attentionMask, positionIds, logitsFor));

    /// <inheritdoc />
    public int? AttentionBlockSize => Inner.AttentionBlockSize;

    /// <inheritdoc />
    public torch.Tensor ForwardAppending(torch.Tensor windowIds, KeyValueCache cache, torch.Tensor? attentionMask, torch.Tensor? positionIds, int append, Range? logitsFor = null) =>
        OnForward(Inner.ForwardAppending(windowIds, cache, attentionMask, positionIds, append, logitsFor));

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Called with the logits of every forward pass, on the sampler's thread; returns the logits to use.</summary>
    /// <param name="logits">The inner denoiser's logits.</param>
    protected abstract torch.Tensor OnForward(torch.Tensor logits);

    /// <summary>Disposes the inner denoiser.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }
    }
}
