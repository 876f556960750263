using DiffusionChat.Models;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// Lossless parallel decoding for a block-causal denoiser (draft and verify, as in FreeDave, arXiv 2510.00294): the
/// answer is exactly what greedy one-token-per-step decoding writes (block length 1: each position decoded with the
/// rest of its attention block masked), but one pass both checks drafted tokens and drafts the next ones.
/// </summary>
/// <remarks>
/// <para>
/// Per attention block of <c>A</c> positions with masks at <c>p_0 .. p_(k-1)</c> and drafts <c>d_0 .. d_(k-1)</c>
/// (the model's own guesses from an earlier pass), one pass runs <c>k + 1</c> variants of the block side by side:
/// variant <c>v</c> holds <c>d_0 .. d_(v-1)</c> and masks from <c>p_v</c> on, so its prediction <c>y_v</c> at
/// <c>p_v</c> is what one-token-per-step decoding writes there once <c>d_0 .. d_(v-1)</c> are right. Walking
/// <c>v = 0, 1, ...</c>: <c>y_v</c> is committed; while it equals <c>d_v</c> the next variant is valid too; at the
/// first mismatch the valid variant's other predictions become the new drafts. Every pass commits at least one token.
/// </para>
/// <para>
/// The last variant holds the whole drafted block and the next block's masks: when every draft of every row is
/// confirmed, its keys and values are the finished block's (they go into the cache) and its predictions for the next
/// block are that block's first exact token and drafts, so a block the model drafts right costs one pass. The first
/// pass of any other block runs the plain one-token step (all masks) and appends what the cache lacks.
/// </para>
/// <para>
/// Greedy only (the caller falls back to one token per pass when sampling). Batched variants may round differently
/// from a pass of one row, so on a near tie of two tokens the answer can differ from the unbatched one; this is the
/// same caveat as batching requests. Host reads: one per pass (the predictions, which the verification needs).
/// </para>
/// </remarks>
internal sealed class DraftAndVerify(IMaskedDenoiser model, DeviceTransfers transfers, int attentionBlock)
{
    /// <summary>
    /// Drafts below this probability get no variants after them: such a draft is often wrong, and every variant behind
    /// a wrong draft is wasted work, which on a CPU costs about as much per position as the pass itself (a pass of 4
    /// variants of 8 positions takes 2.4x one of 4; docs/benchmarks.md). Speed only: the answer is exact whatever the
    /// value. 0.9 measured best of 0, 0.5 and 0.9 on the shipped model.
    /// </summary>
    internal const double TrustedDraft = 0.9;

    /// <summary>Generates every row's answer.</summary>
    public MaskedGenerationResult Generate(MaskedGenerationRequest request, Action<TokensCommitted>? onCommitted, Action<StepCommittedEvent>? onStep, CancellationToken cancellationToken)
    {
        var options = request.Options;
        int rows = request.Prompts.Count, a = attentionBlock;
        long mask = model.MaskTokenId, eos = model.EosTokenId ?? 0;
        var answers = new BlockAnswers(request, model);
        int forwardPasses = 0;
        bool reporting = options.ReportSteps && onStep is not null; // step events need the block before each pass

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var canvas = BlockCausalCanvas.Create(request.Prompts, a, mask, eos, model.Device, transfers);
        var cache = new KeyValueCache();
        try
        {
            var running = Enumerable.Range(0, rows).ToList();
            DraftPredictions? carried = null; // the next block's predictions from a pass that finished this one

            for (int start = canvas.AnswerStarts.Min() / a * a; running.Count > 0; start += a)
            {
                int end = start + a;
                if (canvas.AnswerStarts.All(s => s >= end))
                {
                    continue;
                }

                canvas.GrowTo(end);
                using var blockScope = NewDisposeScope();

                // Host copy of the block (prompt tokens, masks) and the drafts: a block after a finished one is all
                // masks and its drafts came with the finishing pass; otherwise one pass reads both at once.
                long[] block;
                DraftPredictions drafts;
                var needed = Needed(canvas.AnswerStarts, start, a, answers, options.AnswerLength, running);
                if (carried is not null && canvas.AnswerStarts.All(s => s <= start))
                {
                    block = new long[running.Count * a];
                    Array.Fill(block, mask);
                    drafts = carried;
                }
                else
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int windowStart = (int)cache.Length;
                    var (keyMask, positions) = canvas.Columns(end);
                    using var logits = model.ForwardAppending(canvas.Ids[.., windowStart..end], cache, keyMask, positions,
                        append: start - windowStart, logitsFor: (start - windowStart)..(end - windowStart));
                    forwardPasses++;
                    (block, drafts) = DraftPredictions.ReadWithBlock(canvas.Ids[.., start..end], Greedy(logits, mask), transfers);
                }

                // The block's first masked position is the exact one-token step in both cases.
                int step = 0;
                var before = reporting ? (long[])block.Clone() : block;
                CommitFirst(block, drafts.Tokens, running.Count, a, mask);
                Report(onStep, options, before, block, start, step++, running, canvas.AnswerStarts, answers);

                carried = null;
                var close = new BlockClosing(canvas.AnswerStarts, start, a, mask, answers.StopIds, needed);
                close.Apply(block);
                while (Remaining(block, running.Count, a, mask).Any(k => k > 0))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    before = reporting ? (long[])block.Clone() : block;
                    var (next, finishedAll) = Verify(canvas, ref cache, block, drafts, start, running.Count, mask, ref forwardPasses);
                    Report(onStep, options, before, block, start, step++, running, canvas.AnswerStarts, answers);
                    carried = finishedAll ? next : null;
                    close.Apply(block);
                }

                using (var committed = transfers.Upload(block, [running.Count, a], model.Device))
                {
                    canvas.Ids.index_put_(committed, TensorIndex.Colon, TensorIndex.Slice(start, end));
                }

                var ended = answers.Finish(block, start, a, running, canvas.AnswerStarts, onCommitted);
                if (ended.Count > 0)
                {
                    var keep = Enumerable.Range(0, running.Count).Where(r => !ended.Contains(r)).ToList();
                    carried = carried?.Rows(keep, a);
                    running = keep.Select(r => running[r]).ToList();
                    if (running.Count > 0)
                    {
                        using var index = transfers.Upload(keep.Select(r => (long)r).ToArray(), [keep.Count], model.Device);
                        canvas.KeepRows(keep, index);
                        cache.KeepRows(index);
                    }
                }
            }

            return answers.Result(forwardPasses);
        }
        finally
        {
            cache.Dispose();
        }
    }

    /// <summary>
    /// One verification pass over every row's variants (see the remarks). Commits the confirmed tokens into
    /// <paramref name="block"/>, replaces <paramref name="drafts"/>, and when every row finished its block by confirmed
    /// drafts, moves the finished block into <paramref name="cache"/> and returns the next block's predictions.
    /// </summary>
    private (DraftPredictions Next, bool FinishedAll) Verify(BlockCausalCanvas canvas, ref KeyValueCache cache, long[] block, DraftPredictions drafts, int start, int count, long mask, ref int forwardPasses)
    {
        int a = attentionBlock;
        var remaining = Remaining(block, count, a, mask);

        // Variants go as far as the drafts are trusted; the block can only finish in this pass (and give the next
        // block's first token) when every row trusts all its drafts, and only then is the next block in the window.
        var trusted = Enumerable.Range(0, count).Select(r => Trusted(block, drafts.Trusted, r, a, mask)).ToArray();
        bool lookahead = trusted.SequenceEqual(remaining);
        int window = lookahead ? 2 * a : a, variants = trusted.Max() + 1;

        // Variant v of row r: the block with its first v masks drafted; then the next block, all masks.
        var ids = new long[count * variants * window];
        var rowOf = new long[count * variants];
        for (int r = 0; r < count; r++)
        {
            for (int v = 0; v < variants; v++)
            {
                int row = (r * variants) + v, filled = 0;
                rowOf[row] = r;
                for (int j = 0; j < a; j++)
                {
                    long token = block[(r * a) + j];
                    if (token == mask && filled < Math.Min(v, trusted[r]))
                    {
                        token = drafts.Tokens[(r * a) + j];
                        filled++;
                    }

                    ids[(row * window) + j] = token;
                }

                Array.Fill(ids, mask, (row * window) + a, window - a);
            }
        }

        canvas.GrowTo(start + window);
        using var scope = NewDisposeScope();
        var (keyMask, positions) = canvas.Columns(start + window);
        var index = transfers.Upload(rowOf, [rowOf.Length], model.Device);
        var windowIds = transfers.Upload(ids, [rowOf.Length, window], model.Device);
        var expanded = cache.Length == 0 ? new KeyValueCache() : cache.SelectRows(index); // a prompt inside the first block caches nothing before it
        bool kept = false;
        try
        {
            // Logits from the first position any row still decodes; the block joins the cache only when it can finish here.
            int from = Enumerable.Range(0, count).Min(r => remaining[r] == 0 ? a : Array.IndexOf(block, mask, r * a, a) - (r * a)), width = window - from;
            var logits = model.ForwardAppending(windowIds, expanded, keyMask?.index_select(0, index), positions?.index_select(0, index), append: lookahead ? a : 0, logitsFor: from..window);
            forwardPasses++;
            var predicted = DraftPredictions.Read(Greedy(logits, mask), transfers);

            bool finishedAll = lookahead;
            var keep = new long[count];
            var next = new DraftPredictions(new long[count * a], new bool[count * a]);
            for (int r = 0; r < count; r++)
            {
                int k = remaining[r], v = 0;
                var masked = Enumerable.Range(0, a).Where(j => block[(r * a) + j] == mask).ToList();
                int At(int variant, int column) => (((r * variants) + Math.Min(variant, trusted[r])) * width) + column - from;

                // Walk the variants while the drafts hold; y_v is exact because d_0 .. d_(v-1) were confirmed. The
                // walk ends at the first mismatch or the last variant run; that variant's other predictions are
                // the new drafts.
                while (v < k)
                {
                    long y = predicted.Tokens[At(v, masked[v])];
                    block[(r * a) + masked[v]] = y;
                    if (v == trusted[r] || y != drafts.Tokens[(r * a) + masked[v]])
                    {
                        predicted.CopyRow(At(v, from), drafts, (r * a) + from, a - from);
                        finishedAll = false;
                        break;
                    }

                    v++;
                }

                keep[r] = (r * variants) + Math.Min(k, trusted[r]);
                if (lookahead)
                {
                    predicted.CopyRow(At(k, a), next, r * a, a);
                }
            }

            if (finishedAll)
            {
                // Every row's last variant is its finished block: its keys and values are the cache's next block.
                using var keepIndex = transfers.Upload(keep, [count], model.Device);
                expanded.KeepRows(keepIndex);
                cache.Dispose();
                cache = expanded;
                kept = true;
            }

            return (next, finishedAll);
        }
        finally
        {
            if (!kept)
            {
                expanded.Dispose();
            }
        }
    }

    /// <summary>Commits the first masked position of every row from the predictions (the exact one-token step).</summary>
    private static void CommitFirst(long[] block, long[] predictions, int count, int a, long mask)
    {
        for (int r = 0; r < count; r++)
        {
            int j = Array.IndexOf(block, mask, r * a, a);
            if (j >= 0)
            {
                block[j] = predictions[j];
            }
        }
    }

    /// <summary>Masks left in each row's block.</summary>
    private static int[] Remaining(long[] block, int count, int a, long mask) =>
        Enumerable.Range(0, count).Select(r => block.AsSpan(r * a, a).Count(mask)).ToArray();

    /// <summary>
    /// Per row, the first column of the block it no longer needs: after its answer budget. Positions from there on are
    /// never decoded (one-token-per-step decoding would have stopped before them).
    /// </summary>
    private static int[] Needed(int[] answerStarts, int start, int a, BlockAnswers answers, int answerLength, List<int> running) =>
        Enumerable.Range(0, running.Count).Select(r => Math.Clamp(Math.Max(answerStarts[r], start) + answerLength - answers.Count(running[r]) - start, 0, a)).ToArray();

    /// <summary>
    /// Greedy tokens [B, W] (the mask id never chosen, as <see cref="TokenPrediction"/> picks them at temperature 0)
    /// stacked on whether each is trusted as a draft (probability at least <see cref="TrustedDraft"/>): [2, B, W] int64.
    /// </summary>
    private static Tensor Greedy(Tensor logits, long mask)
    {
        using var scope = NewDisposeScope();
        using var maskIndex = HeldScalars.Range(mask, mask + 1, int64, logits.device);
        // In the logits' own precision: widening to float64 as TokenPrediction does changes no value, so no argmax.
        var choice = logits.IndexFilled(-1, maskIndex, double.NegativeInfinity);
        var tokens = choice.argmax(-1);
        var logProbability = logits.gather(-1, tokens.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1);
        var trusted = logProbability.IsAtLeast(Math.Log(TrustedDraft)).to(int64);
        return stack([tokens, trusted], 0).MoveToOuterDisposeScope();
    }

    /// <summary>Leading masked positions of row <paramref name="r"/> whose drafts are trusted.</summary>
    private static int Trusted(long[] block, bool[] trusted, int r, int a, long mask)
    {
        int count = 0;
        for (int j = 0; j < a; j++)
        {
            int i = (r * a) + j;
            if (block[i] == mask)
            {
                if (!trusted[i])
                {
                    break;
                }

                count++;
            }
        }

        return count;
    }

    /// <summary>One event per pass and row with the answer positions that pass committed (progress views).</summary>
    private static void Report(Action<StepCommittedEvent>? onStep, MaskedSamplerOptions options, long[] before, long[] block, int start, int step, List<int> running, int[] answerStarts, BlockAnswers answers)
    {
        if (!options.ReportSteps || onStep is null)
        {
            return;
        }

        int a = block.Length / running.Count;
        for (int r = 0; r < running.Count; r++)
        {
            var positions = new List<int>();
            var tokens = new List<int>();
            for (int j = Math.Max(0, answerStarts[r] - start); j < a; j++)
            {
                int i = (r * a) + j;
                if (before[i] != block[i])
                {
                    positions.Add(start + j - answerStarts[r]);
                    tokens.Add((int)block[i]);
                }
            }

            if (positions.Count > 0)
            {
                onStep(new StepCommittedEvent(running[r], answers.BlocksCommitted(running[r]), step, positions, tokens));
            }
        }
    }
}
