namespace DiffusionChat.Sampling;

/// <summary>
/// LLaDA's linear transfer schedule (<c>get_num_transfer_tokens</c> in ML-GSAI/LLaDA <c>generate.py</c>): the masked
/// positions of a block are committed in equal shares over the block's steps, the remainder going to the first steps.
/// </summary>
public static class TransferSchedule
{
    /// <summary>Number of tokens to commit at each step.</summary>
    /// <param name="maskedCount">Masked positions in the block when it starts (at least 0).</param>
    /// <param name="steps">Steps for the block (at least 1).</param>
    /// <returns>
    /// <paramref name="steps"/> counts summing to <paramref name="maskedCount"/>, e.g. 10 over 4 steps = [3, 3, 2, 2].
    /// When there are more steps than tokens the last steps commit 0 (as in the reference).
    /// </returns>
    public static int[] Linear(int maskedCount, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maskedCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int share = maskedCount / steps, remainder = maskedCount % steps;
        return Enumerable.Range(0, steps).Select(i => share + (i < remainder ? 1 : 0)).ToArray();
    }
}
