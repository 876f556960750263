using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// MDLM's substitution ("subs") parameterization of the backbone output (<c>Diffusion._subs_parameterization</c>):
/// the mask token gets zero probability, and an unmasked input token is carried over with probability one.
/// </summary>
public static class SubsParameterization
{
    /// <summary>
    /// The reference's stand-in for minus infinity. Kept finite on purpose: the reference adds it to logits, so an
    /// exact -inf would turn <c>logsumexp</c> into NaN for rows where every entry is excluded.
    /// </summary>
    public const float NegativeInfinity = -1e6f;

    /// <summary>Log-probabilities [B, L, V] from backbone logits [B, L, V] and the noisy input ids [B, L].</summary>
    /// <param name="logits">Backbone output (not modified).</param>
    /// <param name="ids">The input token ids.</param>
    /// <param name="maskTokenId">The mask id.</param>
    /// <returns>The log-probabilities.</returns>
    public static Tensor LogProbs(Tensor logits, Tensor ids, long maskTokenId)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(ids);
        using var scope = NewDisposeScope();
        var vocab = logits.shape[^1];
        var maskColumn = zeros(vocab, dtype: logits.dtype, device: logits.device).IndexFillWith(0, tensor(new[] { maskTokenId }, device: logits.device), NegativeInfinity);
        var shifted = logits.Plus(maskColumn);
        shifted = shifted - shifted.logsumexp(-1, keepdim: true);
        var unmasked = ids.IsNotEqualTo(maskTokenId).unsqueeze(-1);
        var carried = HeldScalars.FilledLike(shifted, NegativeInfinity).scatter(-1, ids.unsqueeze(-1), zeros_like(shifted[.., .., ..1]));
        return where(unmasked, carried, shifted).MoveToOuterDisposeScope();
    }
}
