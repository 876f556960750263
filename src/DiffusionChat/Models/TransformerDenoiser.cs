using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// The <see cref="IMaskedDenoiser"/> plumbing shared by the transformer denoisers: argument checks, default
/// positions, key padding masks, and the three call shapes (full, full building a cache, cached window).
/// </summary>
public abstract class TransformerDenoiser : IMaskedDenoiser
{
    /// <summary>Initialises the shared state.</summary>
    /// <param name="device">Device of the weights.</param>
    /// <param name="dtype">Dtype of the weights.</param>
    protected TransformerDenoiser(Device device, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
        DType = dtype;
    }

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public ScalarType DType { get; }

    /// <inheritdoc />
    public abstract int VocabSize { get; }

    /// <inheritdoc />
    public abstract long MaskTokenId { get; }

    /// <inheritdoc />
    public abstract long? EosTokenId { get; }

    /// <inheritdoc />
    public bool SupportsKeyValueCache => true;

    /// <inheritdoc />
    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? positionIds = null, Tensor? sigma = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (b, l, positions) = CheckFull(ids, attentionMask, positionIds);
        return Run(ids, sigma, positions, Allowed(attentionMask, 0, l, l), null, 0, null).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ForwardWithCache(Tensor ids, Tensor? attentionMask, Tensor? positionIds, out KeyValueCache cache)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (b, l, positions) = CheckFull(ids, attentionMask, positionIds);
        var fresh = new List<(Tensor Keys, Tensor Values)>();
        var logits = Run(ids, null, positions, Allowed(attentionMask, 0, l, l), null, 0, fresh);
        foreach (var (k, v) in fresh)
        {
            k.MoveToOuterDisposeScope();
            v.MoveToOuterDisposeScope();
        }

        cache = new KeyValueCache(fresh);
        return logits.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ForwardWindow(Tensor windowIds, long start, KeyValueCache cache, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        DenoiserInputs.CheckIds(windowIds, Device, nameof(windowIds));
        long b = windowIds.shape[0], w = windowIds.shape[1], l = cache.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (start + w > l)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The window [{start}, {start + w}) must lie inside the cached length {l}.");
        }

        DenoiserInputs.CheckPerPosition(attentionMask, b, l, Device, nameof(attentionMask));
        DenoiserInputs.CheckPerPosition(positionIds, b, l, Device, nameof(positionIds));
        var positions = DenoiserInputs.Positions(positionIds, b, l, Device)[.., (int)start..(int)(start + w)];
        return Run(windowIds, null, positions, Allowed(attentionMask, start, w, l), cache, start, null).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the network's weights.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    /// <summary>Runs the network on a window of tokens.</summary>
    /// <param name="ids">Window ids [B, W].</param>
    /// <param name="sigma">Noise level [B] as the caller gave it, or null.</param>
    /// <param name="positions">Absolute positions [B, W].</param>
    /// <param name="allowed">Attention mask broadcastable to [B, heads, W, L], or null.</param>
    /// <param name="cache">Keys/values of the whole sequence, or null.</param>
    /// <param name="start">Window start.</param>
    /// <param name="fresh">When not null, receives each layer's fresh keys/values.</param>
    /// <returns>Logits [B, W, V].</returns>
    private protected abstract Tensor Run(Tensor ids, Tensor? sigma, Tensor positions, Tensor? allowed, KeyValueCache? cache, long start, List<(Tensor Keys, Tensor Values)>? fresh);

    /// <summary>The attention mask for queries [start, start + W) over L keys; by default only key padding.</summary>
    /// <param name="attentionMask">The caller's [B, L] mask, or null.</param>
    /// <param name="start">First query position.</param>
    /// <param name="w">Number of queries.</param>
    /// <param name="l">Number of keys.</param>
    /// <returns>A bool mask or null (everything allowed).</returns>
    private protected virtual Tensor? Allowed(Tensor? attentionMask, long start, long w, long l) => Attention.KeyMask(attentionMask);

    private (long B, long L, Tensor Positions) CheckFull(Tensor ids, Tensor? attentionMask, Tensor? positionIds)
    {
        DenoiserInputs.CheckIds(ids, Device, nameof(ids));
        long b = ids.shape[0], l = ids.shape[1];
        DenoiserInputs.CheckPerPosition(attentionMask, b, l, Device, nameof(attentionMask));
        DenoiserInputs.CheckPerPosition(positionIds, b, l, Device, nameof(positionIds));
        return (b, l, DenoiserInputs.Positions(positionIds, b, l, Device));
    }
}
