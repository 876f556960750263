using DiffusionChat.Sampling;
using DiffusionChat.Tokenization;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Likelihood scoring of the openings of a choice, shared by the fillers: each opening is tokenized together with the
/// text before it (so the boundary tokenizes as in training), and its log-likelihood is the chain rule's sum of
/// log p(token | everything before it) over the tokens that differ from the text before it.
/// </summary>
internal static class OpeningScoring
{
    /// <summary>One scored token: the ids before it (prompt included), the token, and the opening it belongs to.</summary>
    public sealed record ScoredToken(int[] Context, int Target, int Owner);

    /// <summary>
    /// What every filler's <see cref="IScaffoldFiller.Choose"/> does around its own scoring: checks the arguments, takes
    /// a single opening without asking the model, and hands every (opening, token) row to <paramref name="score"/>.
    /// </summary>
    public static int ChooseWith(ITextTokenizer tokenizer, IReadOnlyList<int> prompt, string written, IReadOnlyList<string> openings, CancellationToken cancellationToken, Func<List<ScoredToken>, int> score)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(openings);
        if (openings.Count < 2)
        {
            return openings.Count == 1 ? 0 : throw new ArgumentException("There is nothing to choose from; give at least one opening.", nameof(openings));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return score(Rows(tokenizer, prompt, written, openings));
    }

    /// <summary>Every (opening, token) pair to score.</summary>
    public static List<ScoredToken> Rows(ITextTokenizer tokenizer, IReadOnlyList<int> prompt, string written, IReadOnlyList<string> openings)
    {
        var before = tokenizer.Encode(written);
        var rows = new List<ScoredToken>();
        for (int a = 0; a < openings.Count; a++)
        {
            if (string.IsNullOrEmpty(openings[a]))
            {
                throw new ArgumentException($"Opening {a} is empty; every opening needs text to be scored.", nameof(openings));
            }

            var full = tokenizer.Encode(written + openings[a]);
            int common = 0;
            while (common < before.Count && common < full.Count - 1 && before[common] == full[common])
            {
                common++;
            }

            for (int j = common; j < full.Count; j++)
            {
                rows.Add(new ScoredToken([.. prompt, .. full.Take(j)], full[j], a));
            }
        }

        return rows;
    }

    /// <summary>
    /// The opening whose rows' targets have the highest summed log-likelihood: row r's target is scored in
    /// <paramref name="logits"/> [R, W, V] at <paramref name="positions"/>[r] (within W). One upload of the positions,
    /// targets and ownership, one host read of the winner.
    /// </summary>
    public static int Choose(Tensor logits, long[] positions, IReadOnlyList<ScoredToken> rows, int openingCount, DeviceTransfers transfers)
    {
        var device = logits.device;
        var targets = rows.Select(r => (long)r.Target).ToArray();
        using var tokenLogProbabilities = TargetLogProbabilities(
            logits, transfers.Upload(positions, [positions.Length], device), transfers.Upload(targets, [targets.Length], device));
        using var best = Best(tokenLogProbabilities, rows, openingCount, device, transfers);
        return (int)transfers.ReadInt64(best)[0];
    }

    /// <summary>The log-probability of each row's target: <paramref name="logits"/> [R, W, V] at <paramref name="positions"/> [R] (within W).</summary>
    private static Tensor TargetLogProbabilities(Tensor logits, Tensor positions, Tensor targets)
    {
        long rows = logits.shape[0], vocabulary = logits.shape[2];
        var logp = logits.to(ScalarType.Float32).log_softmax(-1);
        var atPosition = logp.gather(1, positions.view(rows, 1, 1).expand(rows, 1, vocabulary)).squeeze(1); // [R, V]
        return atPosition.gather(1, targets.view(rows, 1)).squeeze(1); // [R]
    }

    /// <summary>The index of the opening with the highest summed log-likelihood, as an int64 [1] tensor on the device.</summary>
    private static Tensor Best(Tensor tokenLogProbabilities, IReadOnlyList<ScoredToken> rows, int openingCount, Device device, DeviceTransfers transfers)
    {
        var owners = new bool[openingCount * rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            owners[(rows[r].Owner * rows.Count) + r] = true;
        }

        using var ownership = transfers.Upload(owners, [openingCount, rows.Count], device).to_type(tokenLogProbabilities.dtype);
        using var sums = matmul(ownership, tokenLogProbabilities.unsqueeze(1)).squeeze(1); // [A]
        return sums.argmax().unsqueeze(0);
    }
}
