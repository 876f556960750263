using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training.Simplex;

/// <summary>
/// Cuts one SSD-LM training block out of every row of a trainer batch, where the sampler would decode it: chat rows
/// train one assistant turn (drawn uniformly, as <see cref="Masked.SupervisedRows"/> does) with its history plus the
/// answer's earlier blocks as context and the next <see cref="BlockLength"/> answer tokens as the block; plain-text
/// rows train a block at a uniformly drawn offset with the text before it as context.
/// </summary>
/// <remarks>
/// Why this layout: <c>SimplexSampler</c> decodes an answer in blocks of <see cref="BlockLength"/> right after the
/// prompt (which ends with <c>&lt;|im_start|&gt;assistant\n</c>), each block conditioned on the prompt and the finished
/// blocks, so block j of an answer starts at answer offset j * L. Positions of the last block past the answer's
/// <c>&lt;|im_end|&gt;</c> hold <see cref="EndOfSequenceId"/> and carry the small loss weight <see cref="FillWeight"/>:
/// with answers of ~25 tokens they are ~40 % of all block targets, and at full weight they teach the model to predict
/// the fill everywhere (the shipped session-2 run decoded <c>&lt;|endoftext|&gt;</c> first in every answer). They are
/// not dropped entirely because the sampler feeds the model's own predictions at those positions back as input in
/// later steps of the block: a small weight keeps those predictions near the fill the model saw there in training.
/// Rows without an answer (all cut by the context) weigh 0. Contexts longer than
/// <see cref="MaxSequenceLength"/> - L keep their latest tokens (the sampler's <c>DropOldest</c> overflow). The
/// choices come from the given generator (one small host read per step: this is the training loop, not a sampler).
/// </remarks>
/// <param name="TurnStartId">The <c>&lt;|im_start|&gt;</c> id: rows starting with it are chat rows.</param>
/// <param name="EndOfSequenceId">The id that fills a block after the answer's end (<c>&lt;|endoftext|&gt;</c>).</param>
/// <param name="PadId">The id left-padding shorter contexts (never attended).</param>
/// <param name="BlockLength">L, the sampler's block length (>= 1).</param>
/// <param name="MaxSequenceLength">Context + block positions the model has (> L).</param>
internal sealed record SimplexBlockRows(long TurnStartId, long EndOfSequenceId, long PadId, int BlockLength, int MaxSequenceLength)
{
    /// <summary>
    /// Loss weight of a fill position after an answer's end, against 1 for an answer token. At 0.1 a block of 16 with
    /// 10 fill positions puts 1 / 7 of its weight on the fill instead of 10 / 16.
    /// </summary>
    public const float FillWeight = 0.1f;

    /// <summary>The blocks of <paramref name="batch"/> (new tensors on the batch's device; the input is not changed).</summary>
    /// <param name="batch">Chat and plain-text rows as built by <see cref="TokenizedCorpus"/>.</param>
    /// <param name="generator">Draws the assistant turn / offset and the block of each row.</param>
    /// <returns>The blocks (caller disposes).</returns>
    public SimplexBlockBatch Build(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BlockLength);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxSequenceLength, BlockLength);
        var (count, length) = ((int)batch.InputIds.shape[0], (int)batch.InputIds.shape[1]);
        var device = batch.InputIds.device;
        long[] ids;
        bool[] loss, valid;
        float[] turnDraws, blockDraws;
        using (var scope = NewDisposeScope())
        {
            ids = batch.InputIds.cpu().data<long>().ToArray();
            loss = batch.LossMask.cpu().data<bool>().ToArray();
            valid = batch.Valid.cpu().data<bool>().ToArray();
            turnDraws = rand(count, generator: generator, device: device).cpu().data<float>().ToArray();
            blockDraws = rand(count, generator: generator, device: device).cpu().data<float>().ToArray();
        }

        var contexts = new ArraySegment<long>[count];
        var blocks = new long[count * BlockLength];
        var weights = new float[count * BlockLength];
        for (int r = 0; r < count; r++)
        {
            var row = new ArraySegment<long>(ids, r * length, length);
            var (start, end) = ids[r * length] == TurnStartId
                ? AnswerBlock(loss.AsSpan(r * length, length), turnDraws[r], blockDraws[r])
                : TextBlock(valid.AsSpan(r * length, length).Count(true), blockDraws[r]);
            var block = blocks.AsSpan(r * BlockLength, BlockLength);
            block.Fill(EndOfSequenceId);
            int real = Math.Min(end - start, BlockLength);
            row.AsSpan(start, real).CopyTo(block);
            var weight = weights.AsSpan(r * BlockLength, BlockLength);
            if (real > 0)
            {
                weight[..real].Fill(1f);
                weight[real..].Fill(FillWeight);
            }

            int kept = Math.Min(start, MaxSequenceLength - BlockLength);
            contexts[r] = row.Slice(start - kept, kept);
        }

        int width = contexts.Max(c => c.Count);
        var contextIds = new long[count * width];
        var mask = new long[count * (width + BlockLength)];
        Array.Fill(contextIds, PadId);
        for (int r = 0; r < count; r++)
        {
            int pad = width - contexts[r].Count;
            contexts[r].AsSpan().CopyTo(contextIds.AsSpan((r * width) + pad));
            mask.AsSpan((r * (width + BlockLength)) + pad, contexts[r].Count + BlockLength).Fill(1);
        }

        return new SimplexBlockBatch(
            tensor(contextIds, [count, width], ScalarType.Int64, device),
            tensor(mask, [count, width + BlockLength], ScalarType.Int64, device),
            tensor(blocks, [count, BlockLength], ScalarType.Int64, device),
            tensor(weights, [count, BlockLength], ScalarType.Float32, device));
    }

    /// <summary>[start, end) of the chosen block's answer tokens: block j of the chosen assistant turn.</summary>
    private (int Start, int End) AnswerBlock(ReadOnlySpan<bool> loss, float turnDraw, float blockDraw)
    {
        if (AnswerTurns.Pick(loss, turnDraw) is not { } turn)
        {
            return (0, 0); // nothing to answer: an all-EOS block with an empty context
        }

        var (from, to) = turn;
        int blockCount = (to - from + BlockLength - 1) / BlockLength;
        int first = from + (Math.Min(blockCount - 1, (int)(blockDraw * blockCount)) * BlockLength);
        return (first, to);
    }

    /// <summary>[start, end) of a block at a uniform offset of a plain-text row of <paramref name="validCount"/> tokens.</summary>
    private (int Start, int End) TextBlock(int validCount, float draw)
    {
        int offsets = Math.Max(1, validCount - BlockLength + 1);
        int start = Math.Min(offsets - 1, (int)(draw * offsets));
        return (start, validCount);
    }
}
