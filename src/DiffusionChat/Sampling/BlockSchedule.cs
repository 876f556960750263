namespace DiffusionChat.Sampling;

/// <summary>
/// LLaDA's linear <see cref="TransferSchedule"/> for one block of a batch whose rows hold different numbers of masks
/// (the block that ends a prompt keeps its prompt tokens): each row commits its own masks in equal shares, the
/// remainder first, and the block takes as many steps as its busiest row needs.
/// </summary>
/// <param name="Counts">Tokens each row commits at each step, row-major [rows, <paramref name="Steps"/>].</param>
/// <param name="Steps">Steps the block takes: the most any row needs, <c>min(steps, masks)</c>.</param>
/// <param name="RowSteps">Steps each row commits in; after them it is idle.</param>
internal sealed record BlockSchedule(long[] Counts, int Steps, int[] RowSteps)
{
    /// <summary>The schedule of a block whose rows hold <paramref name="masked"/> masks, over at most <paramref name="steps"/> steps.</summary>
    public static BlockSchedule Create(IReadOnlyList<int> masked, int steps)
    {
        // A row with fewer masks than steps commits one per step and then rests: LLaDA's schedule would spend passes
        // committing nothing, which only the busiest row may make the block pay for.
        var rowSteps = masked.Select(m => Math.Min(m, steps)).ToArray();
        int blockSteps = Math.Max(1, rowSteps.Max());
        var counts = new long[masked.Count * blockSteps];
        for (int r = 0; r < masked.Count; r++)
        {
            var row = TransferSchedule.Linear(masked[r], steps);
            for (int s = 0; s < blockSteps; s++)
            {
                counts[(r * blockSteps) + s] = row[s];
            }
        }

        return new BlockSchedule(counts, blockSteps, rowSteps);
    }

    /// <summary>Rows that commit nothing from <paramref name="step"/> on (they draw no random numbers).</summary>
    public bool[] IdleAt(int step) => RowSteps.Select(n => step >= n).ToArray();
}
