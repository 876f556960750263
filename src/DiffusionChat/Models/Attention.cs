using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>Softmax attention shared by the denoisers (no dropout, explicit masks only).</summary>
internal static class Attention
{
    /// <summary>
    /// <c>softmax(q k^T / sqrt(D) + mask) v</c> for q [B, H, Lq, D] and k, v [B, Hkv, Lk, D], through LibTorch's fused
    /// <c>scaled_dot_product_attention</c> (one kernel instead of five tensors per call; the scores are never
    /// materialised whole).
    /// </summary>
    /// <remarks>
    /// Grouped-query attention (Ainslie et al. 2023) when <c>Hkv &lt; H</c>: key/value head j serves query heads
    /// j*g .. j*g+g-1 (g = H / Hkv, as LLaMA, LLaDA and Qwen's <c>repeat_interleave</c> lays them out). Instead of
    /// copying every key/value head g times, the g query heads of a group are stacked along the query axis
    /// ([B, Hkv, g*Lq, D], a view of the contiguous q) and attend to their one key/value head; queries are independent
    /// rows of attention, so this computes the same thing. The result agrees with the unfused
    /// <c>softmax(q k^T * scale) v</c> to float32 rounding (the fused kernel accumulates the softmax blockwise);
    /// <c>docs/benchmarks.md</c> gives the measured difference and shows that no greedy answer changes.
    /// </remarks>
    /// <param name="q">Queries [B, H, Lq, D].</param>
    /// <param name="k">Keys [B, Hkv, Lk, D], Hkv dividing H.</param>
    /// <param name="v">Values [B, Hkv, Lk, D].</param>
    /// <param name="allowed">
    /// Optional bool mask broadcastable to [B, H, Lq, Lk]: false entries are excluded. Callers make sure every query
    /// keeps at least one allowed key.
    /// </param>
    /// <returns>The attended values [B, H, Lq, D].</returns>
    public static Tensor ScaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        using var scope = NewDisposeScope();
        long b = q.shape[0], heads = q.shape[1], lq = q.shape[2], d = q.shape[3], kvHeads = k.shape[1];
        if (heads == kvHeads)
        {
            return nn.functional.scaled_dot_product_attention(q, k, v, allowed).MoveToOuterDisposeScope();
        }

        long group = heads / kvHeads;
        var stacked = q.reshape(b, kvHeads, group * lq, d);
        var mask = allowed is null ? null : GroupMask(allowed, lq, kvHeads, group);
        var attended = nn.functional.scaled_dot_product_attention(stacked, k, v, mask);
        return attended.view(b, heads, lq, d).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A mask broadcastable to [B, H, Lq, Lk] laid out for queries stacked by key/value group: [B, Hkv or 1, g*Lq, Lk],
    /// or the mask itself when it is key-only (one head, one query row), which broadcasts over any query rows.
    /// </summary>
    private static Tensor GroupMask(Tensor allowed, long lq, long kvHeads, long group)
    {
        var m = allowed;
        while (m.dim() < 4)
        {
            m = m.unsqueeze(0);
        }

        long mb = m.shape[0], mh = m.shape[1], mq = m.shape[2], mk = m.shape[3];
        if (mh == 1 && mq == 1)
        {
            return m;
        }

        // Head h = j*g + i reads row block i of group j; a mask shared by all heads needs only its g copies.
        return mh == 1
            ? m.expand(mb, group, lq, mk).reshape(mb, 1, group * lq, mk)
            : m.expand(mb, kvHeads * group, lq, mk).reshape(mb, kvHeads, group * lq, mk);
    }

    /// <summary>
    /// Block-causal attention (BD3-LM): a query sees every key whose block is not after its own, combined with
    /// <paramref name="keyMask"/> when given.
    /// </summary>
    /// <param name="keyMask">Optional [B, 1, 1, L] key padding mask (<see cref="KeyMask"/>).</param>
    /// <param name="keyBlocks">Block index of each key, int64 [B or 1, L].</param>
    /// <param name="queryBlocks">Block index of each query, int64 [B or 1, W].</param>
    /// <returns>A bool mask [B or 1, 1, W, L].</returns>
    public static Tensor BlockCausal(Tensor? keyMask, Tensor keyBlocks, Tensor queryBlocks)
    {
        var allowed = keyBlocks.unsqueeze(1).le(queryBlocks.unsqueeze(2)).unsqueeze(1);
        return keyMask is null ? allowed : allowed.logical_and(keyMask);
    }

    /// <summary>
    /// The whole sequence's keys and values with a window's fresh ones in place: cached [.., ..start], fresh,
    /// cached [end..] along the position axis (Fast-dLLM's dual cache: the window is recomputed, the rest reused).
    /// </summary>
    /// <param name="cached">Keys/values [B, H, L, D] of the whole sequence.</param>
    /// <param name="k">The window's keys [B, H, W, D].</param>
    /// <param name="v">The window's values [B, H, W, D].</param>
    /// <param name="start">The window's first position.</param>
    public static (Tensor Keys, Tensor Values) SpliceWindow((Tensor Keys, Tensor Values) cached, Tensor k, Tensor v, long start)
    {
        long end = start + k.shape[2];
        if (end > cached.Keys.shape[2])
        {
            // The window reaches past the cached positions (a block-causal cache grown block by block): nothing after it.
            return (cat([cached.Keys[.., .., ..(int)start], k], 2), cat([cached.Values[.., .., ..(int)start], v], 2));
        }

        var keys = cat([cached.Keys[.., .., ..(int)start], k, cached.Keys[.., .., (int)end..]], 2);
        var values = cat([cached.Values[.., .., ..(int)start], v, cached.Values[.., .., (int)end..]], 2);
        return (keys, values);
    }

    /// <summary>A [B, 1, 1, L] key mask from a [B, L] attention mask (bool or 0/1), or null.</summary>
    public static Tensor? KeyMask(Tensor? attentionMask) =>
        attentionMask is null ? null : attentionMask.to(@bool).unsqueeze(1).unsqueeze(1);
}
