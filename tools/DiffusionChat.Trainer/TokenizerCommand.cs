using System.Diagnostics;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Tokenization;

namespace DiffusionChat.Trainer;

/// <summary><c>tokenizer</c>: trains the byte-level BPE on Brown sentences plus generated chat data and writes HF files.</summary>
internal static class TokenizerCommand
{
    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var output = options.RequiredString("out");
        var vocabularySize = options.Int("vocab", 3072, 300, 65536);
        var brown = options.String("brown");
        var chatCount = options.Int("chat", 20000, 0);
        var seed = options.Int("seed", 1234);
        var maxLength = options.Int("context", 256, 8);
        options.RejectUnknown();

        var texts = TrainingTexts.Corpus(brown, chatCount, seed).ToList();
        var clock = Stopwatch.StartNew();
        var vocabulary = ByteLevelBpeTrainer.Train(texts, vocabularySize, cancellationToken: cancellationToken);
        vocabulary.Save(output, maxLength);
        Console.WriteLine($"trained {vocabulary.Vocabulary.Count} tokens ({vocabulary.Merges.Count} merges) from {texts.Count} texts in {clock.Elapsed.TotalSeconds:F1} s -> {output}");

        var (tokenizer, _) = TrainedTokenizer.Load(output);
        var sample = new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(200).Select(e => e.Render().Text).ToList();
        var tokens = sample.Sum(t => tokenizer.EncodeToIds(t).Count);
        var characters = sample.Sum(t => t.Length);
        Console.WriteLine($"held-out chat: {characters / (double)tokens:F2} characters per token, {tokens / (double)sample.Count:F1} tokens per conversation");
        return Task.FromResult(0);
    }
}
