using DiffusionChat.Models;

namespace DiffusionChat.Sampling;

/// <summary>
/// The answers of a block-causal batch as they grow block by block: each row's committed tokens, finish reason and
/// blocks streamed so far, the ids that end an answer, and the step that records a finished block.
/// </summary>
/// <remarks>Shared by <see cref="BlockCausalSampler"/> and <see cref="DraftAndVerify"/>, which finish blocks alike.</remarks>
internal sealed class BlockAnswers
{
    private readonly List<int>[] answers;
    private readonly GenerationFinishReason[] reasons;
    private readonly int[] blocksCommitted;
    private readonly MaskedGenerationRequest request;
    private readonly long[] stops;

    /// <summary>Empty answers for every row of <paramref name="request"/>.</summary>
    public BlockAnswers(MaskedGenerationRequest request, IMaskedDenoiser model)
    {
        int rows = request.Prompts.Count;
        this.request = request;
        answers = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        reasons = Enumerable.Repeat(GenerationFinishReason.Length, rows).ToArray();
        blocksCommitted = new int[rows];
        StopIds = !request.Options.StopAtEndOfSequence ? [] :
            request.Options.AdditionalStopTokenIds.Select(id => (long)id).Concat(model.EosTokenId is { } eos ? [eos] : []).ToHashSet();
        stops = [.. StopIds];
    }

    /// <summary>The ids that end an answer (end of sequence and the request's stop ids, when it stops at them).</summary>
    public HashSet<long> StopIds { get; }

    /// <summary>Tokens row <paramref name="row"/> has committed so far.</summary>
    public int Count(int row) => answers[row].Count;

    /// <summary>Blocks row <paramref name="row"/> has streamed so far (the index its next block is reported under).</summary>
    public int BlocksCommitted(int row) => blocksCommitted[row];

    /// <summary>
    /// Records the finished block of every running row (the positions from its answer start on, cut at a stop id and at
    /// the answer length), streams it, and returns the canvas rows that ended.
    /// </summary>
    /// <param name="blockTokens">The block's ids, [running rows, blockLength], host copy.</param>
    /// <param name="start">The block's first column.</param>
    /// <param name="blockLength">The block's length.</param>
    /// <param name="running">Original row of each canvas row.</param>
    /// <param name="answerStarts">Per canvas row, the column its answer starts at.</param>
    /// <param name="onCommitted">The streaming callback, or null.</param>
    public HashSet<int> Finish(long[] blockTokens, int start, int blockLength, List<int> running, int[] answerStarts, Action<TokensCommitted>? onCommitted)
    {
        var ended = new HashSet<int>();
        int answerLength = request.Options.AnswerLength;
        for (int r = 0; r < running.Count; r++)
        {
            int row = running[r], from = Math.Max(0, answerStarts[r] - start);
            if (from >= blockLength)
            {
                continue; // the row's answer starts in a later block
            }

            var tokens = blockTokens.AsSpan((r * blockLength) + from, blockLength - from);
            int cut = stops.Length == 0 ? -1 : tokens.IndexOfAny(stops);
            int room = answerLength - answers[row].Count;
            bool stop = cut >= 0 && cut <= room; // a stop id past the answer length is never reached
            var kept = (cut < 0 ? tokens : tokens[..cut]).ToArray().Take(room).Select(t => (int)t).ToList();
            answers[row].AddRange(kept);
            if (stop)
            {
                reasons[row] = GenerationFinishReason.EndOfSequence;
            }

            onCommitted?.Invoke(new TokensCommitted(row, blocksCommitted[row]++, kept, stop));
            if (stop || answers[row].Count >= answerLength)
            {
                ended.Add(r);
            }
            else if (request.StopRequested?.Invoke(row) == true)
            {
                reasons[row] = GenerationFinishReason.Stopped;
                ended.Add(r);
            }
        }

        return ended;
    }

    /// <summary>The result: answers, finish reasons and the passes they took.</summary>
    public MaskedGenerationResult Result(int forwardPasses) => new(answers, reasons, forwardPasses);
}
