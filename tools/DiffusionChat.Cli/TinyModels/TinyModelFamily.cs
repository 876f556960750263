namespace DiffusionChat.Cli.TinyModels;

/// <summary>Which architecture a tiny random model folder holds.</summary>
internal enum TinyModelFamily
{
    /// <summary>Masked diffusion, LLaDA architecture (<c>model_type: llada</c>).</summary>
    Masked,

    /// <summary>Simplex diffusion, SSD-LM architecture (RoBERTa + <c>embed_sum_layer</c>).</summary>
    Simplex,

    /// <summary>Autoregressive baseline, Llama architecture.</summary>
    Ar,
}
