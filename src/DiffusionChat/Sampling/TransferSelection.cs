using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Which candidate positions a step commits: the k best-ranked (fixed schedule), or the best-ranked one plus every
/// candidate whose probability reaches the threshold (Fast-dLLM's parallel decoding). Ties in the ranking go to the
/// lowest position (stable sort), so results do not depend on the backend's top-k order.
/// </summary>
internal static class TransferSelection
{
    /// <summary>Positions to commit [B, W] bool.</summary>
    /// <param name="score">Ranking score [B, W] (higher first).</param>
    /// <param name="probability">Probability of the predicted token [B, W] (for the threshold).</param>
    /// <param name="candidates">Masked positions that may be committed [B, W] bool.</param>
    /// <param name="count">Fixed number to commit per row (ignored with a threshold).</param>
    /// <param name="threshold">Confidence threshold, or null for the fixed count.</param>
    public static Tensor Select(Tensor score, Tensor probability, Tensor candidates, int count, double? threshold)
    {
        using var scope = NewDisposeScope();
        var ranked = score.FillMasked(candidates.logical_not(), double.NegativeInfinity);
        var (_, order) = ranked.sort(-1, descending: true, stable: true);
        var rank = order.argsort(-1);
        var chosen = threshold is { } t
            ? rank.IsEqualTo(0).logical_or(probability.IsAtLeast(t))
            : rank.IsLessThan(count);
        return chosen.logical_and(candidates).MoveToOuterDisposeScope();
    }

    /// <summary>Positions to commit [B, W] bool, with a fixed count per row.</summary>
    /// <param name="score">Ranking score [B, W] (higher first).</param>
    /// <param name="candidates">Masked positions that may be committed [B, W] bool.</param>
    /// <param name="counts">How many each row commits, int64 [B, 1] (rows of one block may hold different numbers of masks).</param>
    public static Tensor SelectPerRow(Tensor score, Tensor candidates, Tensor counts)
    {
        using var scope = NewDisposeScope();
        var ranked = score.FillMasked(candidates.logical_not(), double.NegativeInfinity);
        var (_, order) = ranked.sort(-1, descending: true, stable: true);
        var rank = order.argsort(-1);
        return rank.lt(counts).logical_and(candidates).MoveToOuterDisposeScope();
    }
}
