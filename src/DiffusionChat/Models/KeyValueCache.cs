using TorchSharp;

namespace DiffusionChat.Models;

/// <summary>
/// Per-layer attention keys and values of a whole sequence, kept between denoiser calls (Fast-dLLM's prefix and
/// dual caches). Keys are stored after the rotary embedding: rotating a key at a fixed position always gives the same
/// numbers, so storing rotated keys equals re-rotating cached raw keys on every call.
/// </summary>
/// <remarks>Owns its tensors; dispose it when the block it was built for is finished.</remarks>
public sealed class KeyValueCache : IDisposable
{
    private readonly List<(torch.Tensor Keys, torch.Tensor Values)> layers;

    /// <summary>
    /// Creates a cache from per-layer (keys, values), each [B, kvHeads, L, headDim]; takes ownership (the tensors leave
    /// any dispose scope).
    /// </summary>
    /// <param name="layers">The per-layer tensors, in layer order.</param>
    public KeyValueCache(IEnumerable<(torch.Tensor Keys, torch.Tensor Values)> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        // The cache outlives the dispose scope of the call that built it; it disposes its tensors itself.
        this.layers = layers.Select(l => (l.Keys.DetachFromDisposeScope(), l.Values.DetachFromDisposeScope())).ToList();
        if (this.layers.Count == 0)
        {
            throw new ArgumentException("A key/value cache needs at least one layer.", nameof(layers));
        }
    }

    /// <summary>Number of layers.</summary>
    public int LayerCount => layers.Count;

    /// <summary>Number of cached positions L.</summary>
    public long Length => layers[0].Keys.shape[2];

    /// <summary>The keys and values of one layer, [B, kvHeads, L, headDim] each (still owned by the cache).</summary>
    /// <param name="layer">0-based layer index.</param>
    public (torch.Tensor Keys, torch.Tensor Values) Layer(int layer) => layers[layer];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (k, v) in layers)
        {
            k.Dispose();
            v.Dispose();
        }

        layers.Clear();
    }
}
