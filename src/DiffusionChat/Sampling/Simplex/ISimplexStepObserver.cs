using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Sees every denoising step's tensors (for parity checks and diagnostics). The tensors belong to the sampler and
/// are freed after the call: copy what you keep. Observing forces nothing back to the host by itself.
/// </summary>
internal interface ISimplexStepObserver
{
    /// <param name="block">0-based block.</param>
    /// <param name="timestep">t, from T down to 1.</param>
    /// <param name="equivalentScore">The model's predicted logits for the block [B, L, V].</param>
    /// <param name="projected">Their projection to +-K [B, L, V].</param>
    void OnStep(int block, int timestep, Tensor equivalentScore, Tensor projected);
}
