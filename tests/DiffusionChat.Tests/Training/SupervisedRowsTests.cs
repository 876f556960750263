using DiffusionChat.Trainer.Training;
using DiffusionChat.Trainer.Training.Masked;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class SupervisedRowsTests
{
    private const long TurnStart = 1, TurnEnd = 2, Eos = 3, Pad = 4;
    private static readonly SupervisedRows Rows = new(TurnStart, TurnEnd, Eos, Pad, MaxEndOfSequenceTail: 3);

    // A chat with two assistant spans (positions 3-4 and 7-8), then padding.
    private static readonly long[] Chat = [TurnStart, 10, 11, 20, TurnEnd, 12, 13, 21, TurnEnd, Pad, Pad, Pad];
    private static readonly bool[] ChatLoss = [false, false, false, true, true, false, false, true, true, false, false, false];

    [Fact]
    public void Each_chat_row_trains_one_assistant_turn_then_an_eos_tail_of_random_capped_length()
    {
        using var scope = NewDisposeScope();
        using var batch = Batch(Enumerable.Repeat(Chat, 64).ToArray(), Enumerable.Repeat(ChatLoss, 64).ToArray());
        using var generator = new Generator(5);

        using var sft = Rows.Build(batch, generator);

        var ids = sft.InputIds.data<long>().ToArray();
        var loss = sft.LossMask.data<bool>().ToArray();
        var valid = sft.Valid.data<bool>().ToArray();
        var firstTurnRows = 0;
        var tailLengths = new HashSet<int>();
        for (int r = 0; r < 64; r++)
        {
            var row = ids.AsSpan(r * 12, 12).ToArray();
            var rowLoss = loss.AsSpan(r * 12, 12).ToArray();
            var rowValid = valid.AsSpan(r * 12, 12).ToArray();
            bool first = row[7] != 21; // the second turn's content is gone when the first turn was drawn
            int turnEnd = first ? 5 : 9, from = first ? 3 : 7;
            int tail = row.Skip(turnEnd).TakeWhile(t => t == Eos).Count();
            firstTurnRows += first ? 1 : 0;
            tailLengths.Add(tail);
            Assert.InRange(tail, 1, 3);
            Assert.Equal(Chat.Take(turnEnd), row.Take(turnEnd));
            Assert.All(row.Skip(turnEnd + tail), t => Assert.Equal(Pad, t));
            Assert.Equal(Enumerable.Range(0, 12).Select(i => i >= from && i < turnEnd + tail), rowLoss);
            Assert.Equal(Enumerable.Range(0, 12).Select(i => i < turnEnd + tail), rowValid);
        }

        Assert.Equal([1, 2, 3], tailLengths.Order());
        Assert.InRange(firstTurnRows, 16, 48); // both turns are drawn
        Assert.Equal(loss.Count(x => x), sft.TrainedTokens);
    }

    [Fact]
    public void Plain_text_rows_keep_their_tokens_the_input_batch_stays_unchanged_and_unattended_columns_are_cut()
    {
        using var scope = NewDisposeScope();
        long[] text = [30, 31, 32, 33, Pad, Pad];
        bool[] textLoss = [true, true, true, true, false, false];
        using var batch = Batch([text], [textLoss]);
        using var generator = new Generator(5);

        using var sft = Rows.Build(batch, generator);

        Assert.Equal(text[..4], sft.InputIds.data<long>().ToArray());
        Assert.Equal(textLoss[..4], sft.LossMask.data<bool>().ToArray());
        Assert.Equal([true, true, true, true], sft.Valid.data<bool>().ToArray());
        Assert.Equal(text, batch.InputIds.data<long>().ToArray());
        Assert.Equal([true, true, true, true, false, false], batch.Valid.data<bool>().ToArray());
    }

    private static TrainingBatch Batch(long[][] ids, bool[][] loss)
    {
        int rows = ids.Length, length = ids[0].Length;
        var flat = ids.SelectMany(r => r).ToArray();
        return new TrainingBatch(
            tensor(flat, [rows, length]),
            tensor(loss.SelectMany(r => r).ToArray(), [rows, length]),
            tensor(flat.Select(t => t != Pad).ToArray(), [rows, length]));
    }
}
