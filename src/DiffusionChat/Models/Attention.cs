using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>Plain softmax attention shared by the denoisers (no dropout, explicit masks only).</summary>
internal static class Attention
{
    /// <summary>
    /// <c>softmax(q k^T / sqrt(D) + bias) v</c> for q [B, H, Lq, D] and k, v [B, H, Lk, D].
    /// </summary>
    /// <param name="q">Queries.</param>
    /// <param name="k">Keys.</param>
    /// <param name="v">Values.</param>
    /// <param name="allowed">
    /// Optional bool mask broadcastable to [B, H, Lq, Lk]: false entries are excluded. Callers make sure every query
    /// keeps at least one allowed key.
    /// </param>
    public static Tensor ScaledDotProduct(Tensor q, Tensor k, Tensor v, Tensor? allowed)
    {
        using var scope = NewDisposeScope();
        var scale = 1.0 / Math.Sqrt(q.shape[^1]);
        var scores = q.matmul(k.transpose(-2, -1)).Times(scale);
        if (allowed is not null)
        {
            scores = scores.FillMasked(allowed.logical_not(), double.NegativeInfinity);
        }

        var weights = scores.softmax(-1);
        return weights.matmul(v).MoveToOuterDisposeScope();
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
    /// Grouped-query attention (Ainslie et al. 2023): each of the <paramref name="keyValueHeads"/> key/value heads
    /// serves <c>heads / keyValueHeads</c> query heads, kv head j serving query heads j*g .. j*g+g-1
    /// (<c>repeat_interleave</c>, as LLaMA, LLaDA and Qwen do it; not <c>repeat</c>).
    /// </summary>
    /// <param name="keys">[B, keyValueHeads, L, D].</param>
    /// <param name="values">[B, keyValueHeads, L, D].</param>
    /// <param name="heads">Query heads (a multiple of <paramref name="keyValueHeads"/>).</param>
    /// <param name="keyValueHeads">Key/value heads.</param>
    /// <returns>Keys and values [B, heads, L, D] (the inputs themselves when the counts are equal).</returns>
    public static (Tensor Keys, Tensor Values) ExpandKeyValueHeads(Tensor keys, Tensor values, long heads, long keyValueHeads)
    {
        if (heads == keyValueHeads)
        {
            return (keys, values);
        }

        long group = heads / keyValueHeads;
        return (keys.repeat_interleave(group, 1), values.repeat_interleave(group, 1));
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
