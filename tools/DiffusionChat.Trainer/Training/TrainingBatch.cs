using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training;

/// <summary>One batch of token rows on the model's device.</summary>
/// <param name="InputIds">Token ids [batch, context] (int64), padded on the right with the pad id.</param>
/// <param name="LossMask">
/// Bool [batch, context]: the tokens the objective is trained on — the answer tokens of chat rows (assistant spans,
/// including <c>&lt;|im_end|&gt;</c>), every real token of plain-text rows. Masked diffusion only masks these.
/// </param>
/// <param name="Valid">Bool [batch, context]: false on padding.</param>
internal sealed record TrainingBatch(Tensor InputIds, Tensor LossMask, Tensor Valid) : IDisposable
{
    /// <summary>Number of trained-on tokens (host count, computed when the batch is built).</summary>
    public long TrainedTokens { get; init; }

    /// <summary>
    /// When true a masked-diffusion objective masks every trained token (t = 1, weight 1) instead of drawing t: the
    /// batch itself chose which tokens to hide (copy rows with <see cref="TrainingOptions.CopyAlternate"/>).
    /// </summary>
    public bool MasksEveryTrainedToken { get; init; }

    /// <summary>
    /// When true a masked-diffusion objective trains this batch left to right instead (causal attention, each trained
    /// token predicted from the position before it): copy rows of <see cref="TrainingOptions.CopyLeftToRightSteps"/>.
    /// </summary>
    public bool TrainsLeftToRight { get; init; }

    /// <summary>
    /// When true (training batches) a masked-diffusion objective may mask a share of the rows block-wise
    /// (<see cref="Masked.BlockWiseMasking"/>); held-out batches leave it false, so the held-out loss stays MDLM's ELBO.
    /// </summary>
    public bool MayMaskBlockWise { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        LossMask.Dispose();
        Valid.Dispose();
    }
}
