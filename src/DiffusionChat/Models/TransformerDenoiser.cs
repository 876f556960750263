using DiffusionChat.Checkpoints;
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
    public virtual bool SupportsKeyValueCache => true;

    /// <inheritdoc />
    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? positionIds = null, Tensor? sigma = null, Range? logitsFor = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (b, l, positions) = CheckFull(ids, attentionMask, positionIds);
        return Run(new TransformerPass(ids, positions, Allowed(attentionMask, positions, 0, l, l), Output(logitsFor, l)) { Sigma = sigma }).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ForwardWithCache(Tensor ids, Tensor? attentionMask, Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null)
    {
        ThrowIfNoCache();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (b, l, positions) = CheckFull(ids, attentionMask, positionIds);
        var build = new CacheBuild();
        var logits = Run(new TransformerPass(ids, positions, Allowed(attentionMask, positions, 0, l, l), Output(logitsFor, l)) { Build = build });
        cache = new KeyValueCache(build.Layers, build.OutputStates);
        return logits.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor ForwardWindow(Tensor windowIds, long start, KeyValueCache cache, Tensor? attentionMask = null, Tensor? positionIds = null, Range? logitsFor = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ThrowIfNoCache();
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
        var positions = DenoiserInputs.Positions(positionIds, b, l, Device);
        var allowed = Allowed(attentionMask, positions, start, w, l);
        return Run(new TransformerPass(windowIds, positions[.., (int)start..(int)(start + w)], allowed, Output(logitsFor, w)) { Cache = cache, Start = start }).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public virtual int? AttentionBlockSize => null;

    /// <inheritdoc />
    public Tensor ForwardAppending(Tensor windowIds, KeyValueCache cache, Tensor? attentionMask, Tensor? positionIds, int append, Range? logitsFor = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ThrowIfNoCache();
        if (AttentionBlockSize is null)
        {
            throw new NotSupportedException($"{GetType().Name} attends in both directions, so a cache grown block by block would be stale; use ForwardWithCache and ForwardWindow.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        DenoiserInputs.CheckIds(windowIds, Device, nameof(windowIds));
        long b = windowIds.shape[0], w = windowIds.shape[1], past = cache.Length, l = past + w;
        if (append < 0 || append > w)
        {
            throw new ArgumentOutOfRangeException(nameof(append), append, $"append must be between 0 and the window's {w} positions.");
        }

        if (past > 0 && cache.Layer(0).Keys.shape[0] != b)
        {
            throw new ArgumentException($"The cache holds {cache.Layer(0).Keys.shape[0]} rows but the window has {b}.", nameof(cache));
        }

        DenoiserInputs.CheckPerPosition(attentionMask, b, l, Device, nameof(attentionMask));
        DenoiserInputs.CheckPerPosition(positionIds, b, l, Device, nameof(positionIds));
        var positions = DenoiserInputs.Positions(positionIds, b, l, Device);
        var allowed = Allowed(attentionMask, positions, past, w, l);
        var build = new CacheBuild();
        var logits = Run(new TransformerPass(windowIds, positions[.., (int)past..(int)l], allowed, Output(logitsFor, w)) { Cache = past > 0 ? cache : null, Start = past, Build = build });
        if (append > 0)
        {
            for (int i = 0; i < build.Layers.Count; i++)
            {
                cache.Append(i, build.Layers[i].Keys[.., .., ..append], build.Layers[i].Values[.., .., ..append]);
            }

            if (build.OutputStates is { } states)
            {
                cache.AppendOutputStates(states[.., ..append]);
            }
        }

        return logits.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    private void ThrowIfNoCache()
    {
        if (!SupportsKeyValueCache)
        {
            throw new NotSupportedException($"{GetType().Name} with this configuration has no key/value cache; call Forward, or sample with KeyValueCacheMode.None.");
        }
    }

    /// <summary>Releases the network's weights.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    /// <summary>Runs the network on a window of tokens.</summary>
    /// <param name="pass">The window, its positions and mask, the cache it reads or fills, and which logits to return.</param>
    /// <returns>Logits [B, length, V].</returns>
    private protected abstract Tensor Run(TransformerPass pass);

    /// <summary>
    /// Loads a checkpoint's weights into a freshly built network (state-dict names after <paramref name="keyPrefix"/>)
    /// in evaluation mode and wraps it; the network is disposed when loading fails.
    /// </summary>
    /// <typeparam name="TNetwork">The network module.</typeparam>
    /// <typeparam name="TDenoiser">The denoiser that owns it.</typeparam>
    /// <param name="checkpoint">The opened folder.</param>
    /// <param name="keyPrefix">Checkpoint prefix of every network tensor.</param>
    /// <param name="network">The network, built from the checkpoint's config.</param>
    /// <param name="wrap">Builds the denoiser around the loaded network.</param>
    /// <returns>The denoiser.</returns>
    /// <exception cref="CheckpointFormatException">A tensor is missing, unexpected or mis-shaped.</exception>
    private protected static TDenoiser LoadWeights<TNetwork, TDenoiser>(CheckpointFolder checkpoint, string keyPrefix, TNetwork network, Func<TNetwork, TDenoiser> wrap)
        where TNetwork : nn.Module
    {
        try
        {
            network.eval();
            StateDictLoader.Load(network, checkpoint, keyPrefix);
            return wrap(network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The attention mask for queries [start, start + W) over L keys; by default only key padding.</summary>
    /// <param name="attentionMask">The caller's [B, L] mask, or null.</param>
    /// <param name="positions">Positions [B, L] of the whole sequence (the caller's, or 0 .. L-1).</param>
    /// <param name="start">First query position.</param>
    /// <param name="w">Number of queries.</param>
    /// <param name="l">Number of keys.</param>
    /// <returns>A bool mask or null (everything allowed).</returns>
    private protected virtual Tensor? Allowed(Tensor? attentionMask, Tensor positions, long start, long w, long l) => Attention.KeyMask(attentionMask);

    /// <summary>The (offset, length) of the positions that need logits; all of them by default.</summary>
    private protected static (int Offset, int Length) Output(Range? logitsFor, long length)
    {
        if (logitsFor is not { } range)
        {
            return (0, (int)length);
        }

        var (offset, count) = range.GetOffsetAndLength((int)length);
        if (count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(logitsFor), range, $"The logits range must select at least one of the {length} positions.");
        }

        return (offset, count);
    }

    private (long B, long L, Tensor Positions) CheckFull(Tensor ids, Tensor? attentionMask, Tensor? positionIds)
    {
        DenoiserInputs.CheckIds(ids, Device, nameof(ids));
        long b = ids.shape[0], l = ids.shape[1];
        DenoiserInputs.CheckPerPosition(attentionMask, b, l, Device, nameof(attentionMask));
        DenoiserInputs.CheckPerPosition(positionIds, b, l, Device, nameof(positionIds));
        return (b, l, DenoiserInputs.Positions(positionIds, b, l, Device));
    }
}
