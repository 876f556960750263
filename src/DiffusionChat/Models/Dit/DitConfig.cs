using DiffusionChat.Checkpoints;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// The DiT backbone's configuration in the field names of the released MDLM / BD3-LM <c>config.json</c>
/// (<c>hidden_dim, cond_dim, n_blocks, n_heads, model_length, vocab_size, time_conditioning, block_size</c>).
/// </summary>
/// <param name="HiddenDim">Model width (<c>hidden_dim</c>).</param>
/// <param name="CondDim">Width of the noise-level conditioning vector (<c>cond_dim</c>).</param>
/// <param name="Blocks">Number of transformer blocks (<c>n_blocks</c>).</param>
/// <param name="Heads">Number of attention heads (<c>n_heads</c>).</param>
/// <param name="ModelLength">Training sequence length (<c>model_length</c>); informational.</param>
/// <param name="VocabSize">Vocabulary size including the mask token, which is the last id (<c>vocab_size</c>).</param>
/// <param name="TimeConditioning">Whether sigma reaches the network; when false MDLM feeds sigma = 0.</param>
/// <param name="BlockSize">BD3-LM block size for block-causal attention; null for MDLM (bidirectional).</param>
public sealed record DitConfig(int HiddenDim, int CondDim, int Blocks, int Heads, int ModelLength, int VocabSize, bool TimeConditioning, int? BlockSize)
{
    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenDim / Heads;

    /// <summary>The mask id: MDLM appends the mask token after the tokenizer's vocabulary.</summary>
    public long MaskTokenId => VocabSize - 1;

    /// <summary>Reads and validates the config of a checkpoint folder.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <returns>The config.</returns>
    /// <exception cref="CheckpointFormatException">A field is missing or invalid.</exception>
    public static DitConfig From(CheckpointFolder checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var r = new ModelConfigReader(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        var config = new DitConfig(
            r.RequirePositiveInt("hidden_dim"),
            r.RequirePositiveInt("cond_dim"),
            r.RequirePositiveInt("n_blocks"),
            r.RequirePositiveInt("n_heads"),
            r.OptionalInt("model_length") ?? 1024,
            r.RequirePositiveInt("vocab_size"),
            r.OptionalBool("time_conditioning") ?? false,
            r.OptionalInt("block_size"));
        if (config.HiddenDim % config.Heads != 0 || config.HeadDim % 2 != 0)
        {
            throw r.Invalid($"hidden_dim {config.HiddenDim} must split into n_heads {config.Heads} heads of even width.");
        }

        if (config.BlockSize is < 1)
        {
            throw r.Invalid($"block_size is {config.BlockSize}; it must be a positive integer.");
        }

        return config;
    }
}
