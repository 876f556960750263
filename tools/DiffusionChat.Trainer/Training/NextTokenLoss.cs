using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// Next-token cross-entropy over a batch's trained tokens: the AR baseline's loss and the masked model's left-to-right
/// copy warm-up, so both train the same quantity.
/// </summary>
internal static class NextTokenLoss
{
    /// <summary>The mean of -log p(token i + 1) over positions whose next token is trained.</summary>
    /// <param name="logits">Logits [B, T-1, V] of positions 0 .. T-2 (each seeing itself and earlier positions only).</param>
    /// <param name="batch">The batch whose ids [B, T] and loss mask give the targets.</param>
    /// <returns>The scalar loss (caller disposes).</returns>
    public static Tensor Mean(Tensor logits, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var targets = batch.InputIds[TensorIndex.Colon, TensorIndex.Slice(1)]; // [B, T-1]
        var weights = batch.LossMask[TensorIndex.Colon, TensorIndex.Slice(1)].to(ScalarType.Float32);
        var perToken = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), targets.reshape(-1), reduction: nn.Reduction.None);
        return ((perToken * weights.reshape(-1)).sum() / weights.sum().ClampMin(1)).MoveToOuterDisposeScope();
    }
}
