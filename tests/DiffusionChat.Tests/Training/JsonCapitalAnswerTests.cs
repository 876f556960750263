using System.Text.Json;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Tests.Training;

public sealed class JsonCapitalAnswerTests
{
    [Fact]
    public void Every_shape_is_the_compact_record_the_client_lays_out_with_the_fact_as_its_values()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(3);
        for (int i = 0; i < 200; i++)
        {
            var (text, shape) = JsonCapitalAnswer.Write("Côte d'Ivoire", "Yamoussoukro", random);
            seen.Add(shape);

            using var parsed = JsonDocument.Parse(text);
            var fields = parsed.RootElement.EnumerateObject().ToList();
            Assert.Contains(fields, f => f.Value.GetString() == "Yamoussoukro");
            Assert.All(fields, f => Assert.Contains(f.Value.GetString(), new[] { "Côte d'Ivoire", "Yamoussoukro" }));
            // Compact, in the order written, no escaping of letters: the scaffold writer's layout, not a serializer's.
            Assert.Equal("{" + string.Join(",", fields.Select(f => $"\"{f.Name}\":\"{f.Value.GetString()}\"")) + "}", text);
        }

        Assert.True(seen.Count >= JsonCapitalAnswer.Shapes.Count, $"only {seen.Count} shapes drawn"); // every shape, both key orders for pairs
    }

    [Fact]
    public void A_json_share_changes_only_capital_answers_and_keeps_the_rest_of_the_sequence()
    {
        var plain = new InstructionSetGenerator(DataSplit.Train, seed: 11).Generate(600);
        var mixed = new InstructionSetGenerator(DataSplit.Train, seed: 11, jsonAnswerShare: 0.5).Generate(600);

        int json = 0;
        for (int i = 0; i < plain.Count; i++)
        {
            Assert.Equal(plain[i].Category, mixed[i].Category);
            var before = plain[i].Turns[^1].Text;
            var after = mixed[i].Turns[^1].Text;
            // Same system text, question, tools and template around the answer: only the answer may differ.
            Assert.Equal(plain[i].Render().Text.Replace(before, after, StringComparison.Ordinal), mixed[i].Render().Text);
            if (before != after)
            {
                Assert.Equal("capital", plain[i].Category);
                Assert.StartsWith("{\"", after, StringComparison.Ordinal);
                Assert.Contains(before.Split(" is ")[1].TrimEnd('.'), after, StringComparison.Ordinal); // the same capital
                json++;
            }
        }

        int capitals = plain.Count(e => e.Category == "capital");
        Assert.InRange(json, capitals / 4, capitals * 3 / 4);
    }

    [Fact]
    public void A_share_outside_zero_to_one_is_refused()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new InstructionSetGenerator(DataSplit.Train, 1, jsonAnswerShare: 1.5));

        Assert.Contains("[0, 1]", ex.Message, StringComparison.Ordinal);
    }
}
