namespace DiffusionChat.Sampling;

/// <summary>
/// Watches <see cref="MaskedDiffusionSampler"/>'s loop from outside the library: the golden tool records every
/// denoiser call to compare it with a reference trace, and replays a reference's loop shape where it differs from
/// ours. Nothing in the library implements it; the chat path samples without one.
/// </summary>
internal interface IMaskedSamplerObserver
{
    /// <summary>Whether <see cref="SamplerCallTrace.Logits"/> must cover the whole call window, not only the block (costs a larger output projection).</summary>
    bool WantsWindowLogits { get; }

    /// <summary>Called after every step's commit with what the step's denoiser call produced and committed.</summary>
    void Called(SamplerCallTrace call);

    /// <summary>
    /// Whether the sampler makes one more denoiser call in a block the step just completed (the call finds no masked
    /// position and commits nothing, but counts as a forward pass), as a reference's loop may.
    /// </summary>
    /// <param name="block">The block.</param>
    /// <param name="step">The step that completed it.</param>
    /// <param name="cache">The cache mode of the run.</param>
    bool CallsAgain(int block, int step, KeyValueCacheMode cache);
}
