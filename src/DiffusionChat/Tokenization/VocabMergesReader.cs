using DiffusionChat.Checkpoints;

namespace DiffusionChat.Tokenization;

/// <summary>Reads Hugging Face byte-level BPE files (<c>vocab.json</c> + <c>merges.txt</c>, GPT-2 / RoBERTa style).</summary>
internal static class VocabMergesReader
{
    public static BpeDefinition Read(string vocabPath, string mergesPath)
    {
        var vocab = TokenizerJson.ReadOptional(vocabPath) ?? throw new FileNotFoundException($"Tokenizer file '{vocabPath}' does not exist.", vocabPath);
        if (!File.Exists(mergesPath))
        {
            throw new FileNotFoundException($"Tokenizer file '{mergesPath}' does not exist (it must accompany '{vocabPath}').", mergesPath);
        }

        var merges = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            // The first line of GPT-2's merges.txt is a "#version: 0.2" comment.
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            if (line.Split(' ').Length != 2)
            {
                throw new CheckpointFormatException(mergesPath, null, $"line {lineNumber} '{line}' is not a merge of the form 'left right'.");
            }

            merges.Add(line);
        }

        return new BpeDefinition(vocabPath, TokenizerJson.Vocabulary(vocabPath, vocab), merges, [], new BpeSettings(ByteLevel: true, BpeDefinition.Gpt2SplitPattern));
    }
}
