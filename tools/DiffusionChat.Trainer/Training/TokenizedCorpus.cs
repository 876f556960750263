using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;
using Microsoft.ML.Tokenizers;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// The training data as token rows: chat examples (one per row, loss on assistant spans only) and plain text packed
/// into context-length chunks separated by <c>&lt;|endoftext|&gt;</c> (loss on every token).
/// </summary>
/// <remarks>
/// Batches are a pure function of (seed, step): a resumed run sees exactly the batches an uninterrupted run would.
/// </remarks>
internal sealed class TokenizedCorpus
{
    private readonly List<(int[] Ids, bool[] Trained)> chats = [];
    private readonly List<int> text = [];

    /// <summary>How many chats (in length order) one batch draws from.</summary>
    private const int LengthWindow = 4096;

    /// <summary>Chat indices sorted by token count (ties by index, so the order is the same in every process).</summary>
    private readonly int[] byLength;

    /// <summary>The distinct ids of the plain text (without the document separator): the alphabet of copy rows.</summary>
    private readonly int[] textVocabulary;

    /// <summary>Key-lookup rows over the text vocabulary, or null when it is too small for them.</summary>
    private readonly KeyLookupRows? lookupRows;
    private readonly int context;
    private readonly int padId;
    private readonly double textFraction;

    /// <summary>Tokenizes the data.</summary>
    /// <param name="tokenizer">The trained tokenizer.</param>
    /// <param name="specialIds">Ids of the special tokens.</param>
    /// <param name="examples">Chat examples; rows longer than the context are cut.</param>
    /// <param name="plainText">Plain documents (e.g. Brown sentences) to pack, or none.</param>
    /// <param name="context">Row length in tokens.</param>
    /// <param name="textFraction">Share of rows drawn from plain text when there is any (0 to 1).</param>
    public TokenizedCorpus(Tokenizer tokenizer, IReadOnlyDictionary<string, int> specialIds, IEnumerable<ChatExample> examples, IEnumerable<string> plainText, int context, double textFraction)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(specialIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(context, 8);
        this.context = context;
        padId = specialIds[ChatMarkers.Pad];
        foreach (var example in examples)
        {
            chats.Add(Tokenize(tokenizer, example.Render()));
        }

        var endOfText = specialIds[ChatMarkers.EndOfText];
        foreach (var document in plainText)
        {
            text.AddRange(tokenizer.EncodeToIds(document));
            text.Add(endOfText);
        }

        this.textFraction = text.Count > context ? textFraction : 0;
        if (chats.Count == 0 && this.textFraction == 0)
        {
            throw new ArgumentException("The corpus is empty: give chat examples or enough plain text for one row.");
        }

        textVocabulary = text.Where(id => id != endOfText).Distinct().Order().ToArray();
        lookupRows = textVocabulary.Length >= KeyLookupRows.MinimumVocabulary ? new KeyLookupRows(textVocabulary) : null;
        TruncatedChats = chats.Count(c => c.Ids.Length > context);
        byLength = Enumerable.Range(0, chats.Count).OrderBy(i => chats[i].Ids.Length).ThenBy(i => i).ToArray();
    }

    /// <summary>Number of chat rows.</summary>
    public int ChatRows => chats.Count;

    /// <summary>Number of plain-text tokens.</summary>
    public int TextTokens => text.Count;

    /// <summary>Chat rows longer than the context (cut at the end).</summary>
    public int TruncatedChats { get; }

    /// <summary>Tokens of each chat row, for statistics.</summary>
    public IEnumerable<int> ChatLengths => chats.Select(c => c.Ids.Length);

    /// <summary>
    /// The batch for a step, on <paramref name="device"/>: either all plain-text rows (context-long) or all chat rows,
    /// the latter only as wide as the longest drawn chat plus <paramref name="chatRowPadding"/> (capped at the context).
    /// </summary>
    /// <remarks>
    /// Why whole batches of one kind: chat rows are a third of the context long, and one plain-text row in a batch
    /// would make every row context-wide; batches of one kind let chat batches shrink, which more than doubles the
    /// chat rows trained per second on this CPU. The share of text batches is the text fraction.
    /// </remarks>
    /// <param name="seed">The run seed.</param>
    /// <param name="step">The step (with the seed, decides the batch).</param>
    /// <param name="batchSize">Rows.</param>
    /// <param name="device">Where the tensors go.</param>
    /// <param name="chatRowPadding">Extra padded width after the longest chat (room for an objective's EOS tail).</param>
    public TrainingBatch Batch(int seed, long step, int batchSize, Device device, int chatRowPadding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chatRowPadding);
        var random = new Random(BatchSeed(seed, step));
        var isText = chats.Count == 0 || random.NextDouble() < textFraction;
        List<(int[] Ids, bool[] Trained)> picks = isText ? [] : PickSimilarChats(random, batchSize);
        var width = isText ? context : Math.Min(context, picks.Max(c => c.Ids.Length) + chatRowPadding);
        var ids = new long[batchSize * width];
        var trained = new bool[batchSize * width];
        var valid = new bool[batchSize * width];
        Array.Fill(ids, padId);
        var trainedCount = 0L;
        for (var row = 0; row < batchSize; row++)
        {
            var offset = row * width;
            if (isText)
            {
                var start = random.Next(text.Count - width);
                for (var i = 0; i < width; i++)
                {
                    ids[offset + i] = text[start + i];
                    trained[offset + i] = valid[offset + i] = true;
                }

                trainedCount += width;
            }
            else
            {
                var (chatIds, chatTrained) = picks[row];
                var length = Math.Min(chatIds.Length, width);
                for (var i = 0; i < length; i++)
                {
                    ids[offset + i] = chatIds[i];
                    trained[offset + i] = chatTrained[i];
                    valid[offset + i] = true;
                    trainedCount += chatTrained[i] ? 1 : 0;
                }
            }
        }

        return ToBatch(ids, trained, valid, batchSize, width, device, trainedCount);
    }

    /// <summary>Longest copied span of a <see cref="CopyBatch"/> row.</summary>
    public const int CopySpanMax = 24;

    /// <summary>Longest text between the span and its repeat in a <see cref="CopyBatch"/> row.</summary>
    public const int CopyGapMax = 48;

    /// <summary>
    /// A batch of copy rows for the copy warm-up: each row is a span A of 8 .. <see cref="CopySpanMax"/> tokens drawn
    /// uniformly from the token ids that occur in the plain text, a gap of 0 .. <see cref="CopyGapMax"/> such tokens,
    /// then A again; only the repeat after its first token is trained (the first is unpredictable), so the loss
    /// rewards nothing but finding A and copying it. Random tokens rather than Brown spans: natural text is half space
    /// tokens and mostly predictable from its own statistics, which blurs the copy signal (a 300-step warm-up on Brown
    /// spans left the copy loss at 3.9).
    /// </summary>
    /// <remarks>
    /// Why: in chat rows the copy a tool call needs is a few tokens of each answer, and at this model size the
    /// induction mechanism that copying needs forms only after a phase change that those few tokens did not reach in
    /// 1,400 steps; rows whose whole loss is copying at varying distances form it within a few hundred steps (a
    /// 2-layer probe of the engine's LLaMA learned random-token copying at random distances by step ~400, the
    /// session-3 note in docs/training.md). A pure function of (seed, step) like <see cref="Batch"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The corpus has too little plain text for copy rows.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lookupShare"/> is outside [0, 1], or positive while the copy width is shorter than a key-lookup row.</exception>
    /// <param name="seed">The run seed.</param>
    /// <param name="step">The training step.</param>
    /// <param name="batchSize">Rows.</param>
    /// <param name="device">Where the batch goes.</param>
    /// <param name="alternate">Train every other repeat token and mark the batch <see cref="TrainingBatch.MasksEveryTrainedToken"/>.</param>
    /// <param name="leftToRight">Mark the batch <see cref="TrainingBatch.TrainsLeftToRight"/> (and train the whole repeat after its first token).</param>
    /// <param name="lookupShare">
    /// Share of rows that are <see cref="KeyLookupRows"/> instead (their values are all trained, so they fit
    /// <paramref name="alternate"/>'s every-trained-token-hidden batches too). At 0 no random draw is spent on the choice,
    /// so runs without lookup rows get exactly the batches they got before the option existed.
    /// </param>
    public TrainingBatch CopyBatch(int seed, long step, int batchSize, Device device, bool alternate = false, bool leftToRight = false, double lookupShare = 0)
    {
        int width = Math.Min(context, (2 * CopySpanMax) + CopyGapMax);
        if (textVocabulary.Length < 2)
        {
            throw new InvalidOperationException($"Copy warm-up draws its tokens from the plain text (--brown); the corpus has {textVocabulary.Length} distinct text tokens.");
        }

        if (!(lookupShare >= 0 && lookupShare <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lookupShare), lookupShare, "The share of key-lookup rows must be in [0, 1].");
        }

        if (lookupShare > 0 && (lookupRows is null || width < KeyLookupRows.MaxLength))
        {
            throw new ArgumentOutOfRangeException(nameof(lookupShare), lookupShare,
                $"Key-lookup rows need {KeyLookupRows.MaxLength} positions and {KeyLookupRows.MinimumVocabulary} distinct text tokens; the copy width is {width} (the context) and the text has {textVocabulary.Length} tokens.");
        }

        alternate &= !leftToRight; // left-to-right rows train the whole repeat
        var random = new Random(BatchSeed(seed, step) ^ 0x5bd1e995);
        var ids = new long[batchSize * width];
        var trained = new bool[batchSize * width];
        var valid = new bool[batchSize * width];
        Array.Fill(ids, padId);
        long trainedCount = 0;
        for (var row = 0; row < batchSize; row++)
        {
            if (lookupShare > 0 && random.NextDouble() < lookupShare)
            {
                var slice = new Range(row * width, (row + 1) * width);
                trainedCount += lookupRows!.Write(random, ids.AsSpan(slice), trained.AsSpan(slice), valid.AsSpan(slice));
                continue;
            }

            int span = random.Next(8, Math.Min(CopySpanMax, width / 2) + 1);
            int gap = random.Next(0, Math.Min(CopyGapMax, width - (2 * span)) + 1);
            var offset = row * width;
            for (var i = 0; i < span + gap; i++)
            {
                ids[offset + i] = textVocabulary[random.Next(textVocabulary.Length)];
            }

            var phase = alternate ? random.Next(2) : 0;
            for (var i = 0; i < span; i++)
            {
                ids[offset + span + gap + i] = ids[offset + i];
                var isTrained = i > 0 && (!alternate || i % 2 == phase);
                trained[offset + span + gap + i] = isTrained;
                trainedCount += isTrained ? 1 : 0;
            }

            valid.AsSpan(offset, (2 * span) + gap).Fill(true);
        }

        // A shallow copy: it takes over the same tensors, so the discarded original owns nothing to dispose.
        return ToBatch(ids, trained, valid, batchSize, width, device, trainedCount) with { MasksEveryTrainedToken = alternate, TrainsLeftToRight = leftToRight };
    }

    /// <summary>Row-major host arrays of <paramref name="batchSize"/> rows of <paramref name="width"/> as a batch on the device.</summary>
    private static TrainingBatch ToBatch(long[] ids, bool[] trained, bool[] valid, int batchSize, int width, Device device, long trainedCount)
    {
        long[] shape = [batchSize, width];
        return new TrainingBatch(tensor(ids, shape, ScalarType.Int64, device), tensor(trained, shape, ScalarType.Bool, device), tensor(valid, shape, ScalarType.Bool, device))
        {
            TrainedTokens = trainedCount,
        };
    }

    /// <summary>
    /// Chats of similar length for one batch: a random window of <see cref="LengthWindow"/> chats in length order, and
    /// rows drawn from it at random. Why: the batch is as wide as its longest chat, and a random batch of 32 almost
    /// always holds one long tool conversation, so most columns would be padding; drawing from one length window
    /// halves the columns computed. Every chat is still drawn with about equal probability.
    /// </summary>
    private List<(int[] Ids, bool[] Trained)> PickSimilarChats(Random random, int batchSize)
    {
        int window = Math.Min(LengthWindow, byLength.Length);
        int start = random.Next(byLength.Length - window + 1);
        return Enumerable.Range(0, batchSize).Select(_ => chats[byLength[start + random.Next(window)]]).ToList();
    }

    /// <summary>
    /// A seed for one batch that is the same in every process (HashCode.Combine is randomised per process, which would
    /// break resuming): SplitMix64's finaliser over the run seed and the step.
    /// </summary>
    internal static int BatchSeed(int seed, long step)
    {
        var z = unchecked(((ulong)(uint)seed << 32) ^ (ulong)step) + 0x9E3779B97F4A7C15UL;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    /// <summary>Tokenizes a rendered chat segment by segment so that answer spans map exactly onto tokens.</summary>
    public static (int[] Ids, bool[] Trained) Tokenize(Tokenizer tokenizer, RenderedChat chat)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(chat);
        var ids = new List<int>();
        var trained = new List<bool>();
        var position = 0;
        foreach (var span in chat.AssistantSpans)
        {
            var (start, end) = (span.Start.GetOffset(chat.Text.Length), span.End.GetOffset(chat.Text.Length));
            Add(chat.Text[position..start], false);
            Add(chat.Text[start..end], true);
            position = end;
        }

        Add(chat.Text[position..], false);
        return (ids.ToArray(), trained.ToArray());

        void Add(string segment, bool isAnswer)
        {
            if (segment.Length == 0)
            {
                return;
            }

            var segmentIds = tokenizer.EncodeToIds(segment);
            ids.AddRange(segmentIds);
            trained.AddRange(Enumerable.Repeat(isAnswer, segmentIds.Count));
        }
    }
}
