namespace DiffusionChat.Sampling;

/// <summary>
/// Closes the rest of a row's block once one-token-per-step decoding would have stopped the row inside it: after a
/// committed stop id, or past the row's answer budget. The closed positions are never decoded, so no pass is spent on
/// them; the block's finish (<see cref="BlockAnswers.Finish"/>) cuts the answer there.
/// </summary>
/// <param name="AnswerStarts">Per row, the column its answer starts at.</param>
/// <param name="Start">The block's first column.</param>
/// <param name="Length">The block's length.</param>
/// <param name="MaskTokenId">The id of undecoded positions.</param>
/// <param name="StopIds">Ids that end an answer.</param>
/// <param name="Needed">Per row, the first block offset past its budget.</param>
internal sealed record BlockClosing(int[] AnswerStarts, int Start, int Length, long MaskTokenId, HashSet<long> StopIds, int[] Needed)
{
    private readonly long[] stops = [.. StopIds];

    /// <summary>Closes the rows of <paramref name="block"/> [rows, Length] (host ids, committed left to right) that are done.</summary>
    public void Apply(long[] block)
    {
        for (int r = 0; r < Needed.Length; r++)
        {
            var row = block.AsSpan(r * Length, Length);
            int firstMask = row.IndexOf(MaskTokenId);
            if (firstMask < 0)
            {
                continue;
            }

            // Commits run left to right, so the answer decided so far is [answer start, first mask).
            var decided = row[Math.Clamp(AnswerStarts[r] - Start, 0, firstMask)..firstMask];
            int stop = stops.Length == 0 ? -1 : decided.IndexOfAny(stops);
            if (stop < 0 && firstMask < Needed[r])
            {
                continue;
            }

            // After a stop id: more of it (the answer is cut at the first). Past the budget: a token that is no stop
            // id, so the finish reports the budget, as one-token-per-step decoding would.
            long filler = stop >= 0 ? decided[stop] : NoStop();
            for (int j = firstMask; j < Length; j++)
            {
                if (row[j] == MaskTokenId)
                {
                    row[j] = filler;
                }
            }
        }
    }

    private long NoStop()
    {
        long id = 0;
        while (id == MaskTokenId || StopIds.Contains(id))
        {
            id++;
        }

        return id;
    }
}
