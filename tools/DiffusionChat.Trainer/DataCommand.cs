using System.Text.Json;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Trainer;

/// <summary>
/// <c>data</c>: writes the generated instruction set and the plain Brown sentences for inspection; with <c>--places</c>
/// the training set is the mix with app scenarios (<see cref="TrainingChatMix"/>) and the realistic split is written too.
/// </summary>
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
        var placesFolder = options.String("places");
        var appShare = options.Double("app-share", 0.5, 0, 1);
        options.RejectUnknown();

        Directory.CreateDirectory(output);
        var places = placesFolder is null ? null : RealPlaces.Load(placesFolder);
        if (places is not null)
        {
            foreach (var split in new[] { DataSplit.Train, DataSplit.HeldOut })
            {
                var kinds = Enum.GetValues<PlaceKind>().Select(k => $"{k} {places.Names(split, k).Count}");
                Console.WriteLine($"real places, {split}: {Enum.GetValues<PlaceKind>().Sum(k => places.Names(split, k).Count)} ({string.Join(", ", kinds)})");
            }
        }

        var sets = new List<(string Name, IReadOnlyList<ChatExample> Examples)>
        {
            ("train", places is null ? new InstructionSetGenerator(DataSplit.Train, seed).Generate(trainCount) : TrainingChatMix.Generate(trainCount, seed, places, appShare)),
            ("heldout", new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(heldOutCount)),
        };
        if (places is not null)
        {
            sets.Add(("realistic", new AppPromptGenerator(DataSplit.HeldOut, places, seed).Generate(heldOutCount).Select(s => s.ToChatExample()).ToList()));
        }

        foreach (var (name, examples) in sets)
        {
            var path = Path.Combine(output, $"chat-{name}.jsonl");
            var lines = examples.Select(e => JsonSerializer.Serialize(new { category = e.Category, text = e.Render().Text }, Json));
            await File.WriteAllLinesAsync(path, lines, cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"wrote {examples.Count} {name} examples to {path}");
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
