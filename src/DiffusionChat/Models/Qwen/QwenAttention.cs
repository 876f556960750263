using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Qwen;

/// <summary>
/// Qwen2/Qwen3 self-attention: q/k/v projections (with biases in Qwen2), Qwen3's per-head RMSNorm of queries and keys
/// before the rotary embedding, grouped-query attention (kv head j serves query heads j*g .. j*g+g-1) and an explicit
/// head width. Whether attention is bidirectional, causal or block-causal is the caller's mask.
/// </summary>
internal sealed class QwenAttention : nn.Module
{
    private readonly int heads;
    private readonly int kvHeads;
    private readonly int headDim;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear o_proj;
    private readonly RmsNorm? q_norm;
    private readonly RmsNorm? k_norm;
#pragma warning restore IDE1006, SA1300

    public QwenAttention(QwenConfig config, Device device, ScalarType dtype) : base(nameof(QwenAttention))
    {
        (heads, kvHeads, headDim) = (config.Heads, config.KeyValueHeads, config.HeadDim);
        int d = config.HiddenSize;
        q_proj = nn.Linear(d, heads * headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        k_proj = nn.Linear(d, kvHeads * headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        v_proj = nn.Linear(d, kvHeads * headDim, hasBias: config.AttentionBias, device: device, dtype: dtype);
        o_proj = nn.Linear(heads * headDim, d, hasBias: false, device: device, dtype: dtype);
        if (config.QueryKeyNorm)
        {
            q_norm = new RmsNorm(headDim, config.RmsNormEps, device, dtype);
            k_norm = new RmsNorm(headDim, config.RmsNormEps, device, dtype);
        }

        RegisterComponents();
    }

    /// <summary>Attends from the W tokens of <paramref name="h"/> [B, W, D] (already normed) to the cached and new keys.</summary>
    /// <param name="h">Normed hidden states of the new tokens.</param>
    /// <param name="cos">Rotary table of their positions [B or 1, 1, W, headDim].</param>
    /// <param name="sin">Rotary table of their positions.</param>
    /// <param name="allowed">Optional bool mask broadcastable to [B, heads, W, cached + W]; null = every key.</param>
    /// <param name="cache">Keys/values of earlier positions (after norm and rotation), or null.</param>
    /// <param name="layer">This layer's index in <paramref name="cache"/>.</param>
    /// <param name="store">Whether this call's keys/values are appended to <paramref name="cache"/>.</param>
    /// <param name="windowStart">
    /// Where these W tokens sit in a <paramref name="cache"/> that covers the whole sequence (a masked model's cached
    /// window): the cached keys/values before and after the window are read and the window's own replace the cached
    /// ones in between. Null: the tokens follow everything cached.
    /// </param>
    /// <param name="fresh">When not null, receives this call's keys/values (detached from every dispose scope: the caller owns them).</param>
    /// <returns>[B, W, D].</returns>
    public Tensor Forward(Tensor h, Tensor cos, Tensor sin, Tensor? allowed, KeyValueCache? cache, int layer, bool store, long? windowStart, List<(Tensor Keys, Tensor Values)>? fresh)
    {
        using var scope = NewDisposeScope();
        long b = h.shape[0], w = h.shape[1];
        var q = q_proj.forward(h).view(b, w, heads, headDim);
        var k = k_proj.forward(h).view(b, w, kvHeads, headDim);
        if (q_norm is not null)
        {
            q = q_norm.forward(q);
            k = k_norm!.forward(k);
        }

        q = RotaryPositions.Apply(q.transpose(1, 2), cos, sin); // [B, H, W, hd]
        k = RotaryPositions.Apply(k.transpose(1, 2), cos, sin); // [B, Hkv, W, hd]
        var v = v_proj.forward(h).view(b, w, kvHeads, headDim).transpose(1, 2);

        var (keys, values) = (k, v);
        if (cache is not null && store)
        {
            (keys, values) = cache.Append(layer, k, v); // owned by the cache
        }
        else if (cache is { Length: > 0 } && windowStart is { } start)
        {
            (keys, values) = Attention.SpliceWindow(cache.Layer(layer), k, v, start);
        }
        else if (cache is { Length: > 0 })
        {
            var (cachedKeys, cachedValues) = cache.Layer(layer);
            (keys, values) = (cat([cachedKeys, k], 2), cat([cachedValues, v], 2));
        }

        fresh?.Add((k.DetachFromDisposeScope(), v.DetachFromDisposeScope()));

        var att = Attention.ScaledDotProduct(q, keys, values, allowed).transpose(1, 2).reshape(b, w, heads * headDim);
        return o_proj.forward(att).MoveToOuterDisposeScope();
    }
}
