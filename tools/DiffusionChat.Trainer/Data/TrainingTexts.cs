namespace DiffusionChat.Trainer.Data;

/// <summary>The text mix the tokenizer (and plain-text pretraining) sees: Brown sentences, then generated chats.</summary>
internal static class TrainingTexts
{
    /// <summary>Brown sentences (when a folder is given) followed by <paramref name="chatCount"/> rendered training-split chats.</summary>
    public static IEnumerable<string> Corpus(string? brownFolder, int chatCount, int seed)
    {
        var brown = brownFolder is null ? [] : BrownCorpusReader.ReadSentences(brownFolder);
        var chats = new InstructionSetGenerator(DataSplit.Train, seed).Generate(chatCount).Select(e => e.Render().Text);
        return brown.Concat(chats);
    }
}
