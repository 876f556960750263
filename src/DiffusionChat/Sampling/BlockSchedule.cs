namespace DiffusionChat.Sampling;

/// <summary>
/// LLaDA's linear <see cref="TransferSchedule"/> for one block of a batch whose rows hold different numbers of masks
/// (the block a prompt ends in keeps its prompt tokens): each row commits its masks in equal shares, the remainder
/// first, over steps in proportion to its masks, and the block takes as many steps as its busiest row needs.
/// </summary>
/// <param name="Counts">Tokens each row commits at each step, row-major [rows, <paramref name="Steps"/>].</param>
/// <param name="Steps">Steps the block takes: the most any row needs.</param>
/// <param name="RowSteps">Steps each row commits in; after them it is idle.</param>
internal sealed record BlockSchedule(long[] Counts, int Steps, int[] RowSteps)
{
    /// <summary>The schedule of a block of <paramref name="blockLength"/> positions whose rows hold <paramref name="masked"/> masks.</summary>
    /// <param name="masked">Masks per row (0 .. block length).</param>
    /// <param name="steps">Steps of a block that is all masks.</param>
    /// <param name="blockLength">Positions per block.</param>
    public static BlockSchedule Create(IReadOnlyList<int> masked, int steps, int blockLength)
    {
        // A row with m of the block's masks takes ceil(steps * m / blockLength) steps, at most m: the tokens per step of
        // a whole block, so the block a prompt ends in is not given a whole block's passes for a few masks, and no step
        // commits nothing (LLaDA's schedule does when a block has fewer masks than steps).
        var rowSteps = masked.Select(m => Math.Min(m, (int)Math.Ceiling((double)steps * m / blockLength))).ToArray();
        int blockSteps = Math.Max(1, rowSteps.Max());
        var counts = new long[masked.Count * blockSteps];
        for (int r = 0; r < masked.Count; r++)
        {
            if (rowSteps[r] == 0)
            {
                continue;
            }

            var row = TransferSchedule.Linear(masked[r], rowSteps[r]);
            for (int s = 0; s < row.Length; s++)
            {
                counts[(r * blockSteps) + s] = row[s];
            }
        }

        return new BlockSchedule(counts, blockSteps, rowSteps);
    }

    /// <summary>Rows that commit nothing from <paramref name="step"/> on (they draw no random numbers).</summary>
    public bool[] IdleAt(int step) => RowSteps.Select(n => step >= n).ToArray();
}
