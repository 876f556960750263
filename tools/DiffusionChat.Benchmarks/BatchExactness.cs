namespace DiffusionChat.Benchmarks;

/// <summary>
/// The check that makes a batched speed figure honest: with exact decoding (a fixed low-confidence schedule, greedy,
/// no approximate cache) every row of a batch must decode exactly the tokens its prompt decodes alone. A batch that
/// computed something else would be measuring different work.
/// </summary>
internal static class BatchExactness
{
    /// <summary>Throws unless every batched row equals the same prompt's answer decoded alone.</summary>
    /// <param name="batched">Answers of the batched run, one per row.</param>
    /// <param name="alone">Answers of each prompt decoded on its own, in the same order.</param>
    /// <param name="what">Names the run in the message (model, block length, thread count).</param>
    /// <exception cref="BatchNotExactException">A row count, an answer length or a token differs; the message names the first.</exception>
    public static void Require(IReadOnlyList<IReadOnlyList<int>> batched, IReadOnlyList<IReadOnlyList<int>> alone, string what)
    {
        ArgumentNullException.ThrowIfNull(batched);
        ArgumentNullException.ThrowIfNull(alone);
        if (batched.Count != alone.Count)
        {
            throw new BatchNotExactException($"Batched decoding is not exact ({what}): the batch returned {batched.Count} answers for {alone.Count} prompts.");
        }

        for (int row = 0; row < batched.Count; row++)
        {
            var (b, a) = (batched[row], alone[row]);
            int at = Enumerable.Range(0, Math.Min(b.Count, a.Count)).FirstOrDefault(i => b[i] != a[i], -1);
            if (at >= 0)
            {
                throw new BatchNotExactException($"Batched decoding is not exact ({what}): row {row} differs from the same prompt decoded alone at answer token {at} (batched {b[at]}, alone {a[at]}).");
            }

            if (b.Count != a.Count)
            {
                throw new BatchNotExactException($"Batched decoding is not exact ({what}): row {row} has {b.Count} answer tokens in the batch and {a.Count} alone.");
            }
        }
    }
}
