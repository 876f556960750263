using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Top-k filtering (Fan et al. 2018): keep the k largest logits of each row. Every sampler here uses this one rule,
/// written as the references write it (<c>logits &lt; topk(logits, k).values[..., -1]</c> is removed), so ties with the
/// k-th largest logit stay and a row may keep more than k tokens.
/// </summary>
/// <remarks>
/// The order in which a sampler applies top-k and <see cref="Nucleus"/> is the reference's and differs between them
/// (LLaDA family, SDAR and the autoregressive decoder: top-k, then top-p; Dream: top-p, then top-k); the two do not
/// commute, since top-p after top-k measures mass over the k survivors. Each sampler composes the order itself.
/// </remarks>
internal static class TopK
{
    /// <summary><paramref name="logits"/> with every entry below the row's k-th largest set to <paramref name="removed"/>.</summary>
    /// <param name="logits">Logits [.., V].</param>
    /// <param name="k">How many to keep, at least 1; k at or above V keeps the row as it is.</param>
    /// <param name="removed">The value removed logits get (-inf, or the dtype's lowest finite value for Dream).</param>
    /// <returns>A new tensor shaped and typed like <paramref name="logits"/>.</returns>
    public static Tensor Filter(Tensor logits, int k, double removed = double.NegativeInfinity)
    {
        using var scope = NewDisposeScope();
        int count = (int)Math.Min(k, logits.shape[^1]);
        var (kept, _) = logits.topk(count, -1);
        return logits.FillMasked(logits.lt(kept.narrow(-1, count - 1, 1)), removed).MoveToOuterDisposeScope();
    }
}
