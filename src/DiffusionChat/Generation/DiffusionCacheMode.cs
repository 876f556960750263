namespace DiffusionChat.Generation;

/// <summary>Which key/value cache a diffusion sampler keeps across the steps of a block.</summary>
public enum DiffusionCacheMode
{
    /// <summary>No cache: every step runs the full sequence (exact).</summary>
    None,

    /// <summary>
    /// Fast-dLLM prefix cache: keys/values of the prompt and finished blocks are computed once per block and reused
    /// (approximate for bidirectional models; exact for block-causal ones such as BD3-LM).
    /// </summary>
    Prefix,

    /// <summary>Fast-dLLM dual cache: the suffix after the current block is cached too; only the block is recomputed.</summary>
    Dual,
}
