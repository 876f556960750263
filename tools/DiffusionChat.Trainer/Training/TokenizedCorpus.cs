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

        TruncatedChats = chats.Count(c => c.Ids.Length > context);
    }

    /// <summary>Number of chat rows.</summary>
    public int ChatRows => chats.Count;

    /// <summary>Number of plain-text tokens.</summary>
    public int TextTokens => text.Count;

    /// <summary>Chat rows longer than the context (cut at the end).</summary>
    public int TruncatedChats { get; }

    /// <summary>Tokens of each chat row, for statistics.</summary>
    public IEnumerable<int> ChatLengths => chats.Select(c => c.Ids.Length);

    /// <summary>The batch for a step, on <paramref name="device"/>.</summary>
    public TrainingBatch Batch(int seed, long step, int batchSize, Device device)
    {
        var random = new Random(BatchSeed(seed, step));
        var ids = new long[batchSize * context];
        var trained = new bool[batchSize * context];
        var valid = new bool[batchSize * context];
        Array.Fill(ids, padId);
        var trainedCount = 0L;
        for (var row = 0; row < batchSize; row++)
        {
            var offset = row * context;
            if (chats.Count == 0 || random.NextDouble() < textFraction)
            {
                var start = random.Next(text.Count - context);
                for (var i = 0; i < context; i++)
                {
                    ids[offset + i] = text[start + i];
                    trained[offset + i] = valid[offset + i] = true;
                }

                trainedCount += context;
            }
            else
            {
                var (chatIds, chatTrained) = chats[random.Next(chats.Count)];
                var length = Math.Min(chatIds.Length, context);
                for (var i = 0; i < length; i++)
                {
                    ids[offset + i] = chatIds[i];
                    trained[offset + i] = chatTrained[i];
                    valid[offset + i] = true;
                    trainedCount += chatTrained[i] ? 1 : 0;
                }
            }
        }

        long[] shape = [batchSize, context];
        return new TrainingBatch(tensor(ids, shape, ScalarType.Int64, device), tensor(trained, shape, ScalarType.Bool, device), tensor(valid, shape, ScalarType.Bool, device))
        {
            TrainedTokens = trainedCount,
        };
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
