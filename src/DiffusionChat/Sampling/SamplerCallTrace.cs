using TorchSharp;

namespace DiffusionChat.Sampling;

/// <summary>What kind of denoiser call a sampler step made (the goldens' <c>step_kind</c>).</summary>
internal enum SamplerCallKind
{
    /// <summary>Whole sequence, no cache.</summary>
    Full = 0,

    /// <summary>Whole sequence, building the block's cache.</summary>
    BuildCache = 1,

    /// <summary>Window [s, T) against the prefix cache.</summary>
    PrefixCached = 2,

    /// <summary>Window [s, e) against the dual cache.</summary>
    DualCached = 3,
}

/// <summary>
/// Everything about one denoiser call of <see cref="MaskedDiffusionSampler"/>, for parity checks against reference
/// traces. Tensors are valid only during the callback.
/// </summary>
/// <param name="Block">Block index.</param>
/// <param name="Inner">Call index within the block (the cache-building call is 0).</param>
/// <param name="Kind">Call kind.</param>
/// <param name="WindowStart">First position fed to the model.</param>
/// <param name="WindowEnd">One past the last position fed to the model.</param>
/// <param name="BlockStart">First position of the block.</param>
/// <param name="Logits">Logits of the window [B, W, V].</param>
/// <param name="Candidates">Masked positions of the block that could be committed [B, BL].</param>
/// <param name="Tokens">Predicted tokens of the block [B, BL].</param>
/// <param name="Probability">Probability of each predicted token [B, BL] float64.</param>
/// <param name="Transfer">Committed positions [B, BL].</param>
/// <param name="X">The whole sequence after the commit [B, T].</param>
/// <param name="Count">The fixed count k of this call (0 with a threshold).</param>
internal sealed record SamplerCallTrace(
    int Block, int Inner, SamplerCallKind Kind, long WindowStart, long WindowEnd, long BlockStart,
    torch.Tensor Logits, torch.Tensor Candidates, torch.Tensor Tokens, torch.Tensor Probability, torch.Tensor Transfer, torch.Tensor X, int Count);
