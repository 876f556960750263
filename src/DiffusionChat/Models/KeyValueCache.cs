using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// Per-layer attention keys and values [B, kvHeads, L, headDim] of the positions seen so far, kept between forward
/// calls. Keys are stored after the rotary embedding: rotating a key at a fixed position always gives the same numbers,
/// so storing rotated keys equals re-rotating cached raw keys on every call.
/// </summary>
/// <remarks>
/// Two ways to fill it, one layout: the masked denoisers build it whole from one forward pass over the sequence
/// (Fast-dLLM's prefix and dual caches, read back with <see cref="Layer"/>); the autoregressive decoder starts it empty
/// and <see cref="Append"/>s each step's token. Owns its tensors; dispose it when the block or generation it was built
/// for is finished.
/// </remarks>
public sealed class KeyValueCache : IDisposable
{
    private readonly List<Tensor?> keys;
    private readonly List<Tensor?> values;
    private readonly bool layersGrow;
    private Tensor? outputStates;

    /// <summary>Creates an empty cache for <paramref name="layers"/> layers, to be filled by <see cref="Append"/>.</summary>
    /// <param name="layers">Number of layers.</param>
    public KeyValueCache(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        keys = [.. new Tensor?[layers]];
        values = [.. new Tensor?[layers]];
    }

    /// <summary>
    /// Creates an empty cache whose layers are added by the first pass that appends to it (<see cref="Append"/> on layers
    /// 0, 1, ... in order), for callers that do not know the model's depth.
    /// </summary>
    public KeyValueCache()
    {
        keys = [];
        values = [];
        layersGrow = true;
    }

    /// <summary>
    /// Creates a filled cache from per-layer (keys, values), each [B, kvHeads, L, headDim]; takes ownership (the tensors
    /// leave any dispose scope).
    /// </summary>
    /// <param name="layers">The per-layer tensors, in layer order.</param>
    /// <param name="outputStates">
    /// Optional final hidden states [B, L, D] of the same positions, for a model whose logits are shifted (position i is
    /// scored from the state at i - 1): a cached window's first position is then scored from the kept state before it.
    /// </param>
    public KeyValueCache(IEnumerable<(Tensor Keys, Tensor Values)> layers, Tensor? outputStates = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        // The cache outlives the dispose scope of the call that built it; it disposes its tensors itself.
        var filled = layers.Select(l => (l.Keys.DetachFromDisposeScope(), l.Values.DetachFromDisposeScope())).ToList();
        if (filled.Count == 0)
        {
            throw new ArgumentException("A key/value cache needs at least one layer.", nameof(layers));
        }

        keys = filled.Select(l => (Tensor?)l.Item1).ToList();
        values = filled.Select(l => (Tensor?)l.Item2).ToList();
        this.outputStates = outputStates?.DetachFromDisposeScope();
    }

    /// <summary>Number of layers.</summary>
    public int LayerCount => keys.Count;

    /// <summary>Number of cached positions L (0 while empty).</summary>
    public long Length => keys.Count == 0 ? 0 : keys[0]?.shape[2] ?? 0;

    /// <summary>
    /// The final hidden states [B, L, D] kept by a shifted-logit model's cache-building pass (still owned by the cache),
    /// or null.
    /// </summary>
    public Tensor? OutputStates => outputStates;

    /// <summary>The keys and values of one layer, [B, kvHeads, L, headDim] each (still owned by the cache).</summary>
    /// <param name="layer">0-based layer index.</param>
    /// <exception cref="InvalidOperationException">The layer holds no positions yet.</exception>
    public (Tensor Keys, Tensor Values) Layer(int layer)
    {
        CheckLayer(layer);
        return (keys[layer] ?? throw new InvalidOperationException($"Layer {layer} of the key/value cache is empty."), values[layer]!);
    }

    /// <summary>Appends this step's keys and values [B, kvHeads, tokens, headDim] to a layer and returns all of them.</summary>
    /// <param name="layer">0-based layer index.</param>
    /// <param name="newKeys">The new positions' rotated keys.</param>
    /// <param name="newValues">The new positions' values.</param>
    /// <returns>The layer's keys and values including the new positions.</returns>
    /// <remarks>The returned tensors belong to the cache; callers must not dispose them.</remarks>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        if (layersGrow && layer == keys.Count)
        {
            // A cache made without a depth gains its layers in order on the first append.
            keys.Add(null);
            values.Add(null);
        }

        CheckLayer(layer);
        ArgumentNullException.ThrowIfNull(newKeys);
        ArgumentNullException.ThrowIfNull(newValues);
        keys[layer] = Concat(keys[layer], newKeys);
        values[layer] = Concat(values[layer], newValues);
        return (keys[layer]!, values[layer]!);
    }

    /// <summary>
    /// Appends final hidden states [B, tokens, D] of newly cached positions (a shifted-logit model's cache grown block by
    /// block), so <see cref="OutputStates"/> keeps covering the same positions as the keys and values.
    /// </summary>
    /// <param name="states">The new positions' final states (copied; the caller keeps its tensor).</param>
    public void AppendOutputStates(Tensor states)
    {
        ArgumentNullException.ThrowIfNull(states);
        outputStates = Concat(outputStates, states, 1);
    }

    /// <summary>
    /// Keeps only the batch rows <paramref name="rows"/> (int64 indices, in the order given), e.g. when some rows of a
    /// batch have finished and take no more passes.
    /// </summary>
    /// <param name="rows">Indices into the batch dimension.</param>
    public void KeepRows(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i] = Selected(keys[i], rows);
            values[i] = Selected(values[i], rows);
        }

        outputStates = Selected(outputStates, rows);
    }

    /// <summary>
    /// A new cache holding the batch rows <paramref name="rows"/> (int64 indices; a row may repeat), e.g. one per variant
    /// of a row that several candidate windows are scored against. This cache is unchanged; a cache of one row is
    /// shared as a broadcast view, so the new one must not outlive it.
    /// </summary>
    /// <param name="rows">Indices into the batch dimension.</param>
    /// <exception cref="InvalidOperationException">The cache holds no positions yet.</exception>
    public KeyValueCache SelectRows(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (Length == 0)
        {
            throw new InvalidOperationException("An empty key/value cache has no rows to select.");
        }

        using var scope = NewDisposeScope();

        // One row repeated is a broadcast view (no copy): the next pass's concatenation reads it in place.
        long count = rows.shape[0];
        Tensor Pick(Tensor t) => t.shape[0] == 1 ? t.expand([count, .. t.shape[1..]]) : t.index_select(0, rows);
        var layers = keys.Select((k, i) => (Pick(k!), Pick(values[i]!))).ToList();
        return new KeyValueCache(layers, outputStates is null ? null : Pick(outputStates));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < keys.Count; i++)
        {
            keys[i]?.Dispose();
            values[i]?.Dispose();
            keys[i] = values[i] = null;
        }

        outputStates?.Dispose();
        outputStates = null;
    }

    private static Tensor Concat(Tensor? old, Tensor next, long dim = 2)
    {
        var result = old is null ? next.detach().clone() : cat([old, next.detach()], dim);
        old?.Dispose();
        return result.DetachFromDisposeScope();
    }

    private static Tensor? Selected(Tensor? old, Tensor rows)
    {
        if (old is null)
        {
            return null;
        }

        var result = old.index_select(0, rows).DetachFromDisposeScope();
        old.Dispose();
        return result;
    }

    private void CheckLayer(int layer)
    {
        if (layer < 0 || layer >= keys.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layer must be in [0, {keys.Count}).");
        }
    }
}
