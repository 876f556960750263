using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Maps predicted logits [B, L, V] back to almost-one-hot simplex logits with values +-K (SSD-LM's logits
/// projection, Sec. 3.3). The nucleus is <see cref="Sampling.Nucleus"/>'s top-p set with the reference's boundary: tokens are
/// kept while the cumulative probability before them is below p, so the token that crosses p is kept and the top token
/// always is.
/// </summary>
public static class LogitsProjection
{
    /// <summary>Nucleus membership [B, L, V] (true = in the top-p set).</summary>
    /// <param name="logits">Predicted logits [B, L, V].</param>
    /// <param name="topP">Nucleus mass in (0, 1].</param>
    /// <returns>A new bool tensor on the logits' device.</returns>
    public static Tensor Nucleus(Tensor logits, double topP)
    {
        using var scope = NewDisposeScope();
        var (sortedInNucleus, order) = SortedNucleus(logits, topP);
        return zeros(logits.shape, ScalarType.Bool, logits.device).scatter(-1, order, sortedInNucleus).MoveToOuterDisposeScope();
    }

    /// <summary>+K for every nucleus token, -K for the rest (the reference <c>logits_projection</c>).</summary>
    /// <param name="logits">Predicted logits [B, L, V].</param>
    /// <param name="topP">Nucleus mass in (0, 1].</param>
    /// <param name="simplexValue">K.</param>
    /// <returns>[B, L, V] in the logits' dtype, values exactly +-K.</returns>
    public static Tensor MultiHot(Tensor logits, double topP, double simplexValue)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = NewDisposeScope();
        var inNucleus = Nucleus(logits, topP);
        return PlusMinus(inNucleus, simplexValue, logits.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Samples one token per position from the softmax restricted to the nucleus (inverse CDF with the given uniforms)
    /// and returns its one-hot vector mapped to +-K (the reference <c>logits_sampling_projection</c>).
    /// </summary>
    /// <param name="logits">Predicted logits [B, L, V].</param>
    /// <param name="topP">Nucleus mass in (0, 1].</param>
    /// <param name="simplexValue">K.</param>
    /// <param name="uniforms">One draw in [0, 1) per position, [B, L].</param>
    /// <returns>[B, L, V] in the logits' dtype, values exactly +-K, exactly one +K per position.</returns>
    public static Tensor SampledOneHot(Tensor logits, double topP, double simplexValue, Tensor uniforms)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(uniforms);
        using var scope = NewDisposeScope();
        var (sortedInNucleus, order) = SortedNucleus(logits, topP);
        var sortedProbs = nn.functional.softmax(logits.to_type(ScalarType.Float32), -1).gather(-1, order);
        var kept = sortedProbs * sortedInNucleus.to_type(ScalarType.Float32);
        var cdf = kept.cumsum(-1);
        var target = uniforms.to_type(ScalarType.Float32).unsqueeze(-1) * cdf.narrow(-1, cdf.shape[^1] - 1, 1);

        // Smallest sorted rank whose CDF exceeds the target; clamped into the nucleus against rounding at the top end.
        var nucleusSize = sortedInNucleus.sum(-1, keepdim: true, type: ScalarType.Int64);
        var rank = cdf.le(target).sum(-1, keepdim: true, type: ScalarType.Int64).minimum(nucleusSize.Minus(1));
        var token = order.gather(-1, rank);
        var oneHot = zeros(logits.shape, ScalarType.Bool, logits.device).scatter(-1, token, ones_like(token, dtype: ScalarType.Bool));
        return PlusMinus(oneHot, simplexValue, logits.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Tokens as clean simplex logits (SSD-LM's almost-one-hot <c>w</c>): +K at each token's id, -K everywhere else. What
    /// training noises and what the infilling sampler holds fixed positions at, so both use the same vectors.
    /// </summary>
    /// <param name="ids">Int64 token ids of any shape [..].</param>
    /// <param name="vocabSize">V.</param>
    /// <param name="simplexValue">K.</param>
    /// <param name="dtype">The result's floating-point type.</param>
    /// <returns>[.., V] in <paramref name="dtype"/>, values exactly +-K.</returns>
    public static Tensor TokenSimplex(Tensor ids, int vocabSize, double simplexValue, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(ids);
        using var scope = NewDisposeScope();
        return nn.functional.one_hot(ids, vocabSize).to_type(dtype).Times(2 * simplexValue).Minus(simplexValue).MoveToOuterDisposeScope();
    }

    private static (Tensor SortedInNucleus, Tensor Order) SortedNucleus(Tensor logits, double topP)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (!(topP > 0 && topP <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "topP must be in (0, 1].");
        }

        if (logits.dim() < 1 || logits.shape[^1] < 1)
        {
            throw new ArgumentException($"logits must have a non-empty last (vocabulary) dimension, got [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        // Only the most likely MaxNucleusSize tokens can be in the nucleus, so a partial sort (top-k) of that many gives the
        // same leading entries as the full sort at a fraction of its cost (the full sort of the vocabulary was half a
        // simplex step, docs/benchmarks.md); beyond them every token is outside the nucleus.
        long vocab = logits.shape[^1];
        long candidates = MaxNucleusSize(vocab, topP, logits.dtype);
        var probs = nn.functional.softmax(logits, -1);
        var (sorted, order) = candidates < vocab ? probs.topk(checked((int)candidates), -1, largest: true, sorted: true) : probs.sort(-1, descending: true);
        var sortedInNucleus = Sampling.Nucleus.RemovedSorted(sorted, topP, NucleusBoundary.MassBeforeReachesP).logical_not();
        return (sortedInNucleus, order);
    }

    /// <summary>
    /// An upper bound on the nucleus size over a vocabulary of <paramref name="vocab"/> tokens, whatever the distribution.
    /// Why: if c tokens are kept, the c - 1 most likely carry mass below p, and the m most likely tokens of any distribution
    /// carry at least m / V, so c - 1 &lt; pV. The cumulative sum in <paramref name="dtype"/> may err by about (m + 1) u p
    /// (u its unit roundoff, any summation order), i.e. up to (pV + 1) u p V tokens' worth of 1/V mass; the margin covers
    /// twice that, so low-precision logits fall back to the full vocabulary.
    /// </summary>
    internal static long MaxNucleusSize(long vocab, double topP, ScalarType dtype)
    {
        double unitRoundoff = dtype switch
        {
            ScalarType.Float64 => Math.Pow(2, -53),
            ScalarType.Float32 => Math.Pow(2, -24),
            ScalarType.Float16 => Math.Pow(2, -11),
            _ => Math.Pow(2, -8),
        };
        double exact = Math.Ceiling(topP * vocab);
        double roundingTokens = Math.Ceiling(2 * unitRoundoff * topP * vocab * (exact + 1));
        return (long)Math.Min(vocab, exact + 2 + roundingTokens);
    }

    private static Tensor PlusMinus(Tensor selected, double simplexValue, ScalarType dtype)
    {
        using var plus = HeldScalars.Filled([], simplexValue, dtype, selected.device);
        using var minus = HeldScalars.Filled([], -simplexValue, dtype, selected.device);
        return where(selected, plus, minus);
    }
}
