using static TorchSharp.torch;

namespace DiffusionChat.Sampling;

/// <summary>
/// Host copies of a pass's greedy predictions for draft and verify (<see cref="DraftAndVerify"/>): per position the
/// token, and whether it is trusted as a draft (probable enough to be worth verifying the positions after it).
/// </summary>
/// <param name="Tokens">Predicted token per position, rows of the layout the caller uses.</param>
/// <param name="Trusted">Whether each prediction is trusted as a draft.</param>
internal sealed record DraftPredictions(long[] Tokens, bool[] Trusted)
{
    /// <summary>Reads packed predictions [2, ...] int64 (tokens, then 0/1 trust) in one host read.</summary>
    public static DraftPredictions Read(Tensor packed, DeviceTransfers transfers)
    {
        var values = transfers.ReadInt64(packed);
        int n = values.Length / 2;
        return new DraftPredictions(values[..n], values[n..].Select(v => v != 0).ToArray());
    }

    /// <summary>
    /// Reads a block's ids [B, W] and its packed predictions [2, B, W] in one host read: the block, then the predictions.
    /// </summary>
    public static (long[] Block, DraftPredictions Predictions) ReadWithBlock(Tensor blockIds, Tensor packed, DeviceTransfers transfers)
    {
        using var both = cat([blockIds.unsqueeze(0), packed], 0);
        var values = transfers.ReadInt64(both);
        int n = values.Length / 3;
        return (values[..n], new DraftPredictions(values[n..(2 * n)], values[(2 * n)..].Select(v => v != 0).ToArray()));
    }

    /// <summary>Copies <paramref name="count"/> predictions from <paramref name="from"/> into <paramref name="target"/> at <paramref name="at"/>.</summary>
    public void CopyRow(int from, DraftPredictions target, int at, int count)
    {
        Array.Copy(Tokens, from, target.Tokens, at, count);
        Array.Copy(Trusted, from, target.Trusted, at, count);
    }

    /// <summary>The rows <paramref name="rows"/> (of <paramref name="width"/> positions each), in that order.</summary>
    public DraftPredictions Rows(IReadOnlyList<int> rows, int width)
    {
        var kept = new DraftPredictions(new long[rows.Count * width], new bool[rows.Count * width]);
        for (int i = 0; i < rows.Count; i++)
        {
            CopyRow(rows[i] * width, kept, i * width, width);
        }

        return kept;
    }
}
