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

    /// <summary>A [B, 1, 1, L] key mask from a [B, L] attention mask (bool or 0/1), or null.</summary>
    public static Tensor? KeyMask(Tensor? attentionMask) =>
        attentionMask is null ? null : attentionMask.to(@bool).unsqueeze(1).unsqueeze(1);
}
