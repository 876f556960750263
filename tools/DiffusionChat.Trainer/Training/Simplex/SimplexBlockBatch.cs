using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training.Simplex;

/// <summary>
/// One training block per row, laid out as the simplex sampler lays out a decoding step: the clean context
/// left-padded to one width, then the block of <c>L</c> tokens to be noised.
/// </summary>
/// <param name="ContextIds">Context ids [B, C] (int64), left-padded with the pad id; C may be 0.</param>
/// <param name="AttentionMask">[B, C + L] int64: 1 for real context tokens and every block position, 0 for left padding.</param>
/// <param name="BlockIds">The clean block [B, L] (int64) the loss is taken against.</param>
/// <param name="LossWeights">
/// [B, L] float32 weight of each block position in the loss: 1 for answer and text tokens, <see cref="SimplexBlockRows.FillWeight"/>
/// for the <c>&lt;|endoftext|&gt;</c> fill after an answer's end, 0 for rows without an answer.
/// </param>
internal sealed record SimplexBlockBatch(Tensor ContextIds, Tensor AttentionMask, Tensor BlockIds, Tensor LossWeights) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        ContextIds.Dispose();
        AttentionMask.Dispose();
        BlockIds.Dispose();
        LossWeights.Dispose();
    }
}
