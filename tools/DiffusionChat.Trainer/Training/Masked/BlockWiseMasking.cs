using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// Masks a share of training rows the way the block-wise sampler meets them: the trained tokens before a random cut
/// stay visible, the next <paramref name="BlockLength"/> are masked with probability t (the current block), every
/// trained token after the block is masked (the answer window still to come); only the current block carries loss.
/// The other rows keep MDLM's masking (each trained token masked with probability t).
/// </summary>
/// <remarks>
/// Why: the shipped sampler writes 4-token blocks left to right, so every prediction it commits sees a clean prefix
/// and only masks after it. Under MDLM's independent masking that state is all but absent from training (for the
/// 10th token of a 20-token answer: the first 9 visible and the rest masked); the session-6 masked model stopped
/// held-out names early at sampling time (`Krakow` -> `Krak.`, `Canberra` -> `Can.`). What training in that state
/// changes is measured in docs/training.md, "Session 7 runs". This is BD3-LM's training state (clean
/// earlier blocks, one noised block) with the later blocks shown as masks, as the LLaDA architecture sees them.
/// A block row's loss is the block's ELBO terms (1/t each) scaled by trained tokens / block tokens, so a row weighs
/// about as much as a randomly masked row of the same answer.
/// </remarks>
/// <param name="Share">Share of rows masked block-wise (0 to 1).</param>
/// <param name="BlockLength">Tokens in the current block (the sampler's block length).</param>
internal sealed record BlockWiseMasking(double Share, int BlockLength)
{
    /// <summary>Which trained tokens to mask and the loss weight of each position.</summary>
    /// <param name="trained">Bool [batch, tokens]: the tokens that may be masked.</param>
    /// <param name="time">t per row [batch] in (0, 1].</param>
    /// <param name="generator">Draws the masks, the cuts and which rows are block-wise.</param>
    /// <returns>Bool [batch, tokens] masked positions; float [batch, tokens] loss weights (0 off the loss).</returns>
    public (Tensor Masked, Tensor Weight) Apply(Tensor trained, Tensor time, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(Share, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Share, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BlockLength);
        using var scope = NewDisposeScope();
        var (count, tokens) = (trained.shape[0], trained.shape[1]);
        var device = trained.device;
        var rowTime = time.unsqueeze(1);
        var independent = rand(count, tokens, generator: generator, device: device).lt(rowTime).logical_and(trained);
        var elboWeight = rowTime.DividedInto(1.0).expand(count, tokens);
        if (Share == 0)
        {
            return (independent.MoveToOuterDisposeScope(), elboWeight.FillMasked(independent.logical_not(), 0).MoveToOuterDisposeScope());
        }

        var asCount = trained.to(ScalarType.Int64);
        var rank = asCount.cumsum(1) - asCount; // 0-based index among the row's trained tokens
        var total = asCount.sum(1, keepdim: true);
        var cut = (rand(count, 1, generator: generator, device: device) * total).floor().to(ScalarType.Int64); // 0 .. total - 1
        var isBlockRow = rand(count, 1, generator: generator, device: device).IsLessThan(Share);
        var inBlock = trained.logical_and(rank.ge(cut)).logical_and(rank.lt(cut.Plus(BlockLength)));
        var after = trained.logical_and(rank.ge(cut.Plus(BlockLength)));
        var masked = where(isBlockRow, independent.logical_and(inBlock).logical_or(after), independent);
        var blockTokens = (total - cut).Clamp(1L, BlockLength).to(ScalarType.Float32);
        var blockWeight = elboWeight * (total.to(ScalarType.Float32) / blockTokens) * inBlock.to(ScalarType.Float32);
        var weight = where(isBlockRow, blockWeight, elboWeight).FillMasked(masked.logical_not(), 0);
        return (masked.MoveToOuterDisposeScope(), weight.MoveToOuterDisposeScope());
    }
}
