using static DiffusionChat.Trainer.Data.InstructionVocabulary;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// Random draws that stay inside one data split: numbers whose held-out hash matches the split, and picks from lists.
/// Shared by the generators so that a number a held-out conversation uses never occurs in training text.
/// </summary>
/// <remarks>
/// Draws come from the generator's own <see cref="Random"/> in the order they are asked for, so a generator keeps
/// the exact sequence of examples it had before the draws were shared (the shipped models' data is unchanged).
/// </remarks>
internal sealed class SplitDraws(Random random, DataSplit split)
{
    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>] whose <paramref name="atom"/> is in this split.</summary>
    public int Draw(int min, int max, Func<int, long> atom)
    {
        int value;
        do
        {
            value = random.Next(min, max + 1);
        }
        while (IsHeldOutNumber(atom(value)) != (split == DataSplit.HeldOut));

        return value;
    }

    /// <summary>One item of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
