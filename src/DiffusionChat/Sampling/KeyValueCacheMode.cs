namespace DiffusionChat.Sampling;

/// <summary>
/// Fast-dLLM v1's approximate key/value caches (Wu et al. 2025, "Fast-dLLM: Training-free Acceleration of Diffusion
/// LLM by Enabling KV Cache and Parallel Decoding"). Both build the cache with one full call at the start of each
/// block and reuse it, unrefreshed, for the rest of the block.
/// </summary>
public enum KeyValueCacheMode
{
    /// <summary>Every step recomputes the whole sequence (exact).</summary>
    None,

    /// <summary>Reuse the keys/values of the prompt and finished blocks; recompute the current block and everything after it.</summary>
    Prefix,

    /// <summary>Also reuse the (still masked) later blocks; recompute only the current block.</summary>
    Dual,
}
