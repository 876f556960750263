using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Prompts of different lengths laid out as one [B, T] sequence: left-padded so that every row's answer starts at the
/// same column (then the blocks line up across rows), followed by the all-mask answer. Padding is hidden from
/// attention and positions count only real tokens, so a padded row computes what it would alone.
/// </summary>
internal sealed record PaddedBatch(Tensor Ids, Tensor? AttentionMask, Tensor? PositionIds, int PromptLength)
{
    /// <summary>Builds the batch on <paramref name="device"/>; no mask or positions when no row needs padding.</summary>
    public static PaddedBatch Create(IReadOnlyList<IReadOnlyList<int>> prompts, int answerLength, long maskTokenId, long padTokenId, Device device, DeviceTransfers transfers)
    {
        var (ids, keep, promptLength) = LeftPadding.Lay(prompts, padTokenId, answerLength, maskTokenId);
        int rows = prompts.Count, total = promptLength + answerLength;
        var x = transfers.Upload(ids, [rows, total], device);
        if (prompts.All(p => p.Count == promptLength))
        {
            return new PaddedBatch(x, null, null, promptLength);
        }

        var mask = transfers.Upload(keep, [rows, total], device);
        using var counted = mask.cumsum(1);
        var positions = counted.Minus(1).ClampMin(0);
        return new PaddedBatch(x, mask.to(@bool), positions, promptLength);
    }
}
