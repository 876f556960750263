using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// Turns the trainer's chat rows into LLaDA-style SFT rows (Nie et al. 2025, section 2.3 and appendix B.1): one
/// assistant turn per row, its history as the visible prompt, then a tail of 1 .. <paramref name="MaxEndOfSequenceTail"/>
/// EOS tokens (length drawn per row) that is trained on like answer tokens, so the model learns where an answer ends;
/// the rest of the row is padding. Plain-text rows pass unchanged.
/// </summary>
/// <remarks>
/// Why: a multi-turn chat trained as one row would let an earlier assistant turn (e.g. a tool call) see the
/// unmasked turns after it, which never happens when sampling; and padding that no position attends to would hide
/// the masked tail the sampler always appends after the prompt. The turn is drawn uniformly per row from the given
/// generator (one small host read per step: this is the training loop, not a sampler). The tail length is random and
/// capped, unlike LLaDA's pad-to-the-full-length: with the tail running to the end of a 256-token row most trained
/// tokens were EOS (a chat answer turn is ~20-40 tokens), and the shipped model's first run under that rule gave
/// empty answers at step 100; a random length also keeps the row end from telling the model how long the answer is,
/// since the sampler's answer window (the client's max output tokens) has no relation to the answer's length.
/// </remarks>
/// <param name="TurnStartId">The <c>&lt;|im_start|&gt;</c> id: rows starting with it are chat rows.</param>
/// <param name="EndOfTurnId">The <c>&lt;|im_end|&gt;</c> id that closes each assistant span.</param>
/// <param name="EndOfSequenceId">The id that fills the tail after the chosen turn (<c>&lt;|endoftext|&gt;</c>).</param>
/// <param name="PadId">The id after the tail (not attended, not trained).</param>
/// <param name="MaxEndOfSequenceTail">Longest EOS tail (>= 1).</param>
internal sealed record SupervisedRows(long TurnStartId, long EndOfTurnId, long EndOfSequenceId, long PadId, int MaxEndOfSequenceTail)
{
    /// <summary>The SFT rows of <paramref name="batch"/> (a new batch on the same device; the input is not changed).</summary>
    /// <param name="batch">Chat and plain-text rows as built by <see cref="TokenizedCorpus"/>.</param>
    /// <param name="generator">Draws which assistant turn each chat row trains on.</param>
    /// <returns>The new batch (caller disposes).</returns>
    public TrainingBatch Build(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxEndOfSequenceTail);
        var (count, length) = ((int)batch.InputIds.shape[0], (int)batch.InputIds.shape[1]);
        var device = batch.InputIds.device;
        long[] ids;
        bool[] loss, valid;
        float[] draws, tails;
        using (var scope = NewDisposeScope())
        {
            ids = batch.InputIds.cpu().data<long>().ToArray();
            loss = batch.LossMask.cpu().data<bool>().ToArray();
            valid = batch.Valid.cpu().data<bool>().ToArray();
            draws = rand(count, generator: generator, device: device).cpu().data<float>().ToArray();
            tails = rand(count, generator: generator, device: device).cpu().data<float>().ToArray();
        }

        long trained = 0;
        int width = 1;
        for (int r = 0; r < count; r++)
        {
            var offset = r * length;
            if (ids[offset] == TurnStartId)
            {
                ChooseTurn(ids.AsSpan(offset, length), loss.AsSpan(offset, length), valid.AsSpan(offset, length), draws[r], 1 + (int)(tails[r] * MaxEndOfSequenceTail));
            }

            trained += loss.AsSpan(offset, length).Count(true);
            width = Math.Max(width, valid.AsSpan(offset, length).LastIndexOf(true) + 1);
        }

        // Rows end at their EOS tail; columns past the widest row are padding that nobody attends, so they are cut
        // (an earlier turn of a long chat often leaves half the row unused).
        return new TrainingBatch(
            tensor(Columns(ids, count, length, width), [count, width], device: device),
            tensor(Columns(loss, count, length, width), [count, width], device: device),
            tensor(Columns(valid, count, length, width), [count, width], device: device))
        { TrainedTokens = trained };
    }

    private static T[] Columns<T>(T[] rows, int count, int length, int width)
    {
        if (width == length)
        {
            return rows;
        }

        var narrowed = new T[count * width];
        for (int r = 0; r < count; r++)
        {
            Array.Copy(rows, r * length, narrowed, r * width, width);
        }

        return narrowed;
    }

    private void ChooseTurn(Span<long> ids, Span<bool> loss, Span<bool> valid, float draw, int tail)
    {
        if (AnswerTurns.Pick(loss, draw) is not { } turn)
        {
            return;
        }

        var (from, to) = turn;
        int end = Math.Min(ids.Length, to + Math.Min(tail, MaxEndOfSequenceTail));
        loss.Clear();
        loss[from..end].Fill(true);
        ids[to..end].Fill(EndOfSequenceId);
        ids[end..].Fill(PadId);
        valid.Clear();
        valid[..end].Fill(true);
    }
}
