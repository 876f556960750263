using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>Which token the nucleus keeps when the probability mass before it equals p exactly.</summary>
internal enum NucleusBoundary
{
    /// <summary>
    /// Remove a token only when the mass before it exceeds p (Dream <c>sample_tokens</c>, SDAR, and the LLaDA-family
    /// and autoregressive samplers here): at exactly p the token stays.
    /// </summary>
    MassBeforeExceedsP,

    /// <summary>
    /// Keep a token while the mass before it is below p (SSD-LM <c>logits_projection</c>: <c>cumsum &lt; top_p</c>,
    /// shifted right): at exactly p the token goes.
    /// </summary>
    MassBeforeReachesP,
}

/// <summary>
/// Nucleus (top-p) filtering, Holtzman et al. 2020: the smallest set of most likely tokens whose mass reaches p. Every
/// sampler here uses this one rule: sort descending, accumulate, and remove token j when the mass of the tokens
/// before it (through j - 1) is beyond p; the most likely token always stays, so does the token that crosses p. The
/// references differ only at the boundary (see <see cref="NucleusBoundary"/>).
/// </summary>
internal static class Nucleus
{
    /// <summary>Which sorted positions leave the nucleus.</summary>
    /// <param name="sortedProbabilities">Probabilities sorted descending along the last dimension [.., V].</param>
    /// <param name="topP">p in (0, 1].</param>
    /// <param name="boundary">The tie rule of the reference being matched.</param>
    /// <returns>bool [.., V] in sorted order: true = removed.</returns>
    public static Tensor RemovedSorted(Tensor sortedProbabilities, double topP, NucleusBoundary boundary)
    {
        using var scope = NewDisposeScope();
        var cumulative = sortedProbabilities.cumsum(-1);
        var beyond = boundary == NucleusBoundary.MassBeforeExceedsP ? cumulative.IsGreaterThan(topP) : cumulative.IsAtLeast(topP);

        // Shift right by one: token j is judged by the mass through j - 1; the first token is never removed.
        long vocab = beyond.shape[^1];
        var first = zeros_like(beyond.narrow(-1, 0, 1));
        return cat([first, beyond.narrow(-1, 0, vocab - 1)], -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="logits"/> with every token outside the nucleus of their softmax set to <paramref name="removed"/>
    /// (<see cref="NucleusBoundary.MassBeforeExceedsP"/>).
    /// </summary>
    /// <param name="logits">Logits [.., V] (entries already removed stay removed).</param>
    /// <param name="topP">p in (0, 1].</param>
    /// <param name="removed">
    /// The value removed logits get: -inf (LLaDA family, SDAR, autoregressive) or, matching Dream's <c>top_p_logits</c>,
    /// the dtype's lowest finite value. Softmax gives both zero mass; they differ only if a later filter compares them.
    /// </param>
    /// <returns>A new tensor shaped and typed like <paramref name="logits"/>.</returns>
    public static Tensor Filter(Tensor logits, double topP, double removed = double.NegativeInfinity)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = logits.sort(-1, descending: true);
        var removedSorted = RemovedSorted(sorted.softmax(-1), topP, NucleusBoundary.MassBeforeExceedsP);
        var removedInPlace = zeros_like(removedSorted).scatter(-1, order, removedSorted);
        return logits.FillMasked(removedInPlace, removed).MoveToOuterDisposeScope();
    }
}
