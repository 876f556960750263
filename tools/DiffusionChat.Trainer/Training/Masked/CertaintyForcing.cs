using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// dParallel's certainty forcing (Chen et al. 2025, arXiv 2509.26488): at masked positions whose most probable token is
/// already the right one, the entropy of the prediction is a loss, so right guesses become confident ones.
/// </summary>
/// <remarks>
/// Threshold decoding (Fast-dLLM) commits every position whose probability clears the threshold, so how many tokens a
/// pass commits is how many of the block's predictions are confident. Cross-entropy alone raises the right token's
/// probability only as far as the data's ambiguity allows at that masking; positions the model gets right but is
/// unsure of then wait for later passes. Only right positions are sharpened: sharpening a wrong guess would commit the
/// mistake sooner. The entropy is summed (the caller divides by the trained-token count, as for the cross-entropy).
/// </remarks>
internal static class CertaintyForcing
{
    /// <summary>The summed entropy (nats) of the predictions at masked positions whose argmax is the target.</summary>
    /// <param name="logits">Float [batch, tokens, vocab], with any forbidden token already at -inf.</param>
    /// <param name="targets">Int64 [batch, tokens]: the clean tokens.</param>
    /// <param name="masked">Bool [batch, tokens]: the positions that were masked (the only ones with a loss).</param>
    public static Tensor Entropy(Tensor logits, Tensor targets, Tensor masked)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(masked);
        using var scope = NewDisposeScope();
        var logProbabilities = logits.log_softmax(-1);
        // A -inf logit (the mask token under SUBS) has p = 0 and log p = -inf: its term p log p is 0, and so must its
        // gradient be. Zeroing log p there before the product keeps both finite (0 * -inf would be NaN forwards and
        // backwards).
        var finiteLog = logProbabilities.FillMasked(logProbabilities.isneginf(), 0.0);
        var entropy = -(logProbabilities.exp() * finiteLog).sum(-1); // [B, T]
        var right = logits.argmax(-1).eq(targets).logical_and(masked);
        return entropy.FillMasked(right.logical_not(), 0).sum().MoveToOuterDisposeScope();
    }
}
