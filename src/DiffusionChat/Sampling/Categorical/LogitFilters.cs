using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Categorical;

/// <summary>
/// Top-k and nucleus (top-p) filters as Dream's <c>generation_utils.py</c> and SDAR's <c>generate.py</c> write them.
/// The two references fill removed logits differently (Dream <c>finfo.min</c>, SDAR <c>-inf</c>) and apply the
/// filters in opposite orders; the callers choose, so each matches its reference exactly.
/// </summary>
internal static class LogitFilters
{
    /// <summary>Removes every logit below the k-th largest of its row (ties with it stay).</summary>
    /// <param name="logits">[..., V].</param>
    /// <param name="k">How many to keep (clamped to V).</param>
    /// <param name="removed">The value removed logits get.</param>
    public static Tensor TopK(Tensor logits, int k, double removed)
    {
        using var scope = NewDisposeScope();
        int count = Math.Min(k, (int)logits.shape[^1]);
        var (kept, _) = logits.topk(count, -1);
        return logits.FillMasked(logits.lt(kept.narrow(-1, count - 1, 1)), removed).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Keeps the most likely tokens of a row until their mass exceeds <paramref name="topP"/>: a token goes when the
    /// cumulative mass of the tokens sorted before it is already above top-p, so the most likely token always stays.
    /// </summary>
    /// <param name="logits">[..., V].</param>
    /// <param name="topP">The nucleus mass in (0, 1).</param>
    /// <param name="removed">The value removed logits get.</param>
    public static Tensor Nucleus(Tensor logits, double topP, double removed)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = logits.sort(-1, descending: true);
        var cumulative = sorted.softmax(-1).cumsum(-1);
        var above = cumulative.IsGreaterThan(topP);
        // Shifted right by one: the token that crosses top-p is kept.
        long vocab = above.shape[^1];
        var drop = cat([zeros_like(above.narrow(-1, 0, 1)), above.narrow(-1, 0, vocab - 1)], -1);
        var dropInPlace = zeros_like(drop).scatter(-1, order, drop);
        return logits.FillMasked(dropInPlace, removed).MoveToOuterDisposeScope();
    }
}
