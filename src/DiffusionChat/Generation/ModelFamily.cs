namespace DiffusionChat.Generation;

/// <summary>The kind of generative model behind a generator.</summary>
public enum ModelFamily
{
    /// <summary>Masked (absorbing-state) diffusion: MDLM, BD3-LM, LLaDA.</summary>
    MaskedDiffusion,

    /// <summary>Simplex diffusion: SSD-LM.</summary>
    SimplexDiffusion,

    /// <summary>Autoregressive next-token decoder (the comparison baseline).</summary>
    Autoregressive,
}
