using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// Masks a share of training rows with a clean answer prefix: the trained tokens before a random cut stay visible and
/// every trained token from the cut on is masked with probability t (MDLM's masking of the rest of the answer), with
/// MDLM's 1/t weight on every masked token. The other rows keep MDLM's masking (each trained token masked with
/// probability t).
/// </summary>
/// <remarks>
/// Why: the block-wise sampler commits every token next to a clean prefix with masks after it, and the masked model's
/// misses are the first token of a copied value (a temperature's first digit, a place's first piece), which in that
/// state has only its left neighbour to go by. Under MDLM's independent masking a clean prefix of an answer is all but
/// absent from training (docs/training.md, "Session 10": the model's copying needs both neighbours visible).
/// Session 7's <see cref="BlockWiseMasking"/> trained that state but with loss on one 4-token block per row, and lost
/// more than it gained; here every masked token after the cut carries loss, so a row still trains about as many
/// tokens as an MDLM row at the same t, and the neighbour-visible states stay in the mix (small t after the cut).
/// It is the MDLM ELBO of the answer's suffix given the prompt and the answer's prefix: the prefix plays the part of
/// the prompt, as in LLaDA's SFT. The cut is drawn over the answer's tokens, not its EOS tail, so a prefix row does not
/// spend itself on predicting EOS after a complete answer.
/// </remarks>
/// <param name="Share">Share of rows masked with a clean prefix (0 to 1).</param>
internal sealed record PrefixMasking(double Share)
{
    /// <summary>Which trained tokens to mask and the loss weight of each position.</summary>
    /// <param name="trained">Bool [batch, tokens]: the tokens that may be masked.</param>
    /// <param name="cuttable">Bool [batch, tokens]: the trained tokens a cut may fall on (the answer without its EOS tail).</param>
    /// <param name="time">t per row [batch] in (0, 1].</param>
    /// <param name="generator">Draws the masks, the cuts and which rows get a prefix.</param>
    /// <returns>Bool [batch, tokens] masked positions; float [batch, tokens] loss weights (0 off the loss).</returns>
    public (Tensor Masked, Tensor Weight) Apply(Tensor trained, Tensor cuttable, Tensor time, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(cuttable);
        ArgumentNullException.ThrowIfNull(time);
        if (!(Share >= 0 && Share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Share), Share, "The share of clean-prefix rows must be in [0, 1].");
        }

        using var scope = NewDisposeScope();
        var (count, tokens) = (trained.shape[0], trained.shape[1]);
        var device = trained.device;
        var rowTime = time.unsqueeze(1);
        var masked = rand(count, tokens, generator: generator, device: device).lt(rowTime).logical_and(trained);
        if (Share > 0)
        {
            var cuttableCount = cuttable.logical_and(trained).to(ScalarType.Int64);
            var rank = cuttableCount.cumsum(1) - cuttableCount; // cuttable tokens before each position
            var total = cuttableCount.sum(1, keepdim: true);
            var cut = (rand(count, 1, generator: generator, device: device) * total).floor().to(ScalarType.Int64); // 0 .. total - 1
            var isPrefixRow = rand(count, 1, generator: generator, device: device).IsLessThan(Share);
            var prefix = trained.logical_and(rank.lt(cut)).logical_and(isPrefixRow);
            masked = masked.logical_and(prefix.logical_not());
        }

        var weight = rowTime.DividedInto(1.0).expand(count, tokens).FillMasked(masked.logical_not(), 0);
        return (masked.MoveToOuterDisposeScope(), weight.MoveToOuterDisposeScope());
    }
}
