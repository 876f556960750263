using static TorchSharp.torch;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>
/// Keys (after RoPE) and values of every layer for the tokens seen so far, so that decoding one more token costs one
/// token's forward pass. Owns its tensors: dispose it when the generation ends.
/// </summary>
public sealed class KeyValueCache : IDisposable
{
    private readonly Tensor?[] keys;
    private readonly Tensor?[] values;

    /// <summary>Creates an empty cache for <paramref name="layers"/> layers.</summary>
    public KeyValueCache(int layers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    /// <summary>How many positions are cached.</summary>
    public long Length => keys[0]?.shape[2] ?? 0;

    /// <summary>Appends this step's keys and values [batch, kvHeads, tokens, headDim] to a layer and returns all of them.</summary>
    /// <remarks>The returned tensors belong to the cache; callers must not dispose them.</remarks>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor newKeys, Tensor newValues)
    {
        ArgumentNullException.ThrowIfNull(newKeys);
        ArgumentNullException.ThrowIfNull(newValues);
        keys[layer] = Concat(keys[layer], newKeys);
        values[layer] = Concat(values[layer], newValues);
        return (keys[layer]!, values[layer]!);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i]?.Dispose();
            values[i]?.Dispose();
            keys[i] = values[i] = null;
        }
    }

    private static Tensor Concat(Tensor? old, Tensor next)
    {
        var result = old is null ? next.detach().clone() : cat([old, next.detach()], 2);
        old?.Dispose();
        return result.DetachFromDisposeScope();
    }
}
