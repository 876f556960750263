using TorchSharp;

namespace DiffusionChat.Sampling.Sdar;

/// <summary>What a model call of <see cref="BlockDiffusionSampler"/> was for (the goldens' <c>call_kind</c>).</summary>
internal enum BlockDiffusionCallKind
{
    /// <summary>The complete prompt blocks, block-causal, stored in the cache.</summary>
    Prefill = 0,

    /// <summary>A denoising step of the current block; the cache is not changed.</summary>
    Denoise = 1,

    /// <summary>The finished block's final tokens, stored in the cache.</summary>
    Store = 2,
}

/// <summary>
/// One model call of <see cref="BlockDiffusionSampler"/> and, for a denoising call, its step, for parity checks against
/// a reference trace. Tensors ([BL] or [BL, V] for the one row) are valid only during the callback.
/// </summary>
/// <param name="Row">Row index.</param>
/// <param name="Kind">Call kind.</param>
/// <param name="Block">Block index (-1 for the prefill).</param>
/// <param name="Inner">Denoising step index (-1 for prefill and store passes).</param>
/// <param name="WindowStart">First absolute position fed to the model.</param>
/// <param name="WindowEnd">One past the last.</param>
/// <param name="PastLength">Cached positions before the call.</param>
/// <param name="Step">The denoising step (null for prefill and store passes).</param>
internal sealed record BlockDiffusionCall(int Row, BlockDiffusionCallKind Kind, int Block, int Inner, long WindowStart, long WindowEnd, long PastLength, BlockDiffusionStep? Step);

/// <summary>A denoising step's state.</summary>
/// <param name="Input">Block tokens before the step.</param>
/// <param name="Logits">The call's logits [BL, V].</param>
/// <param name="Tokens">The token drawn (or chosen) for every block position.</param>
/// <param name="TokenProbability">Its probability under the filtered distribution.</param>
/// <param name="Confidence">That probability at masked positions, -inf elsewhere.</param>
/// <param name="Count">The scheduled count of this step.</param>
/// <param name="Transfer">Committed positions.</param>
/// <param name="Output">Block tokens after the step.</param>
internal sealed record BlockDiffusionStep(torch.Tensor Input, torch.Tensor Logits, torch.Tensor Tokens, torch.Tensor TokenProbability, torch.Tensor Confidence, int Count, torch.Tensor Transfer, torch.Tensor Output);
