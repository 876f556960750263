using DiffusionChat.Models;
using DiffusionChat.Sampling;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// One denoising pass over a span of a row: predict every masked position of the span from the allowed vocabulary,
/// commit the most confident one plus every one whose p(x0) reaches the threshold (Fast-dLLM's parallel decoding),
/// leave every other position as it was. Shared by span infilling and the growing value blocks.
/// </summary>
internal static class ConfidenceOrderedCommit
{
    /// <summary>Runs the pass on <paramref name="x"/> [1, L] in place and returns the span's ids after it (one host read).</summary>
    /// <param name="denoiser">The model.</param>
    /// <param name="x">The row, modified in place at committed positions only.</param>
    /// <param name="start">First position of the span.</param>
    /// <param name="end">One past its last position.</param>
    /// <param name="allowed">Bool [V]: the ids a masked position may become (never the mask id).</param>
    /// <param name="threshold">p(x0) at or above which positions commit together.</param>
    /// <param name="transfers">The request's counted host transfers.</param>
    public static long[] Step(IMaskedDenoiser denoiser, Tensor x, int start, int end, Tensor allowed, double threshold, DeviceTransfers transfers)
    {
        using var scope = NewDisposeScope();
        var logits = denoiser.Forward(x, logitsFor: start..end); // [1, W, V]
        var probabilities = logits.to(ScalarType.Float64).FillMasked(allowed.logical_not(), double.NegativeInfinity).softmax(-1);
        var (confidence, tokens) = probabilities.max(-1); // [1, W]
        var current = x[TensorIndex.Colon, TensorIndex.Slice(start, end)];
        var candidates = current.IsEqualTo(denoiser.MaskTokenId);
        var ranked = confidence.FillMasked(candidates.logical_not(), -1.0);
        var best = HeldScalars.Range(0, end - start, ScalarType.Int64, x.device).unsqueeze(0).eq(ranked.argmax(1, keepdim: true));
        var commit = candidates.logical_and(ranked.IsAtLeast(threshold).logical_or(best));
        var updated = where(commit, tokens, current);
        x.index_put_(updated, TensorIndex.Colon, TensorIndex.Slice(start, end));
        return transfers.ReadInt64(updated);
    }
}
