using System.Text.Json;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Trainer;

/// <summary><c>data</c>: writes the generated instruction set and the plain Brown sentences for inspection.</summary>
internal static class DataCommand
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var output = options.RequiredString("out");
        var trainCount = options.Int("train", 20000, 0);
        var heldOutCount = options.Int("heldout", 1000, 0);
        var seed = options.Int("seed", 1234);
        var brown = options.String("brown");
        options.RejectUnknown();

        Directory.CreateDirectory(output);
        foreach (var (split, count) in new[] { (DataSplit.Train, trainCount), (DataSplit.HeldOut, heldOutCount) })
        {
            var path = Path.Combine(output, $"chat-{split.ToString().ToLowerInvariant()}.jsonl");
            var lines = new InstructionSetGenerator(split, seed).Generate(count)
                .Select(e => JsonSerializer.Serialize(new { category = e.Category, text = e.Render().Text }, Json));
            await File.WriteAllLinesAsync(path, lines, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"wrote {count} {split} examples to {path}");
        }

        if (brown is not null)
        {
            var path = Path.Combine(output, "brown.txt");
            await File.WriteAllLinesAsync(path, BrownCorpusReader.ReadSentences(brown), cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"wrote Brown sentences to {path}");
        }

        return 0;
    }
}
