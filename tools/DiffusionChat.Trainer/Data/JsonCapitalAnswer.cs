using System.Text.Json;
using DiffusionChat.Structured;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// A capital fact answered as a JSON object, written by the library's own scaffold writer (<see cref="ScaffoldWriter"/>
/// over <see cref="JsonSchemaScaffold"/>) so a training answer is character for character what the client lays out
/// when an app asks <c>GetResponseAsync&lt;T&gt;</c> for such a record (issue 32, item 5): the model learns to fill
/// the values after the skeleton, not to write prose inside <c>{"country":"</c>.
/// </summary>
/// <remarks>
/// The record shapes are the ones an app's types give (M.E.AI writes camel-case property names): the country and
/// capital under several key pairs, in either order, or the capital alone. The question is the plain capital question:
/// the client adds no schema text to the prompt, so the skeleton's first characters are what tells the model that the
/// answer is JSON.
/// </remarks>
internal static class JsonCapitalAnswer
{
    /// <summary>Key pairs (country key, capital key) of the record shapes; a null country key is a capital-only record.</summary>
    public static readonly IReadOnlyList<(string? Country, string Capital)> Shapes =
    [
        ("country", "city"), ("country", "capital"), ("countryName", "capitalCity"), ("name", "capital"),
        ("nation", "capital"), ("Country", "Capital"), (null, "capital"), (null, "city"),
    ];

    /// <summary>The JSON answer for one fact, in a drawn shape.</summary>
    /// <param name="country">The country.</param>
    /// <param name="capital">Its capital.</param>
    /// <param name="random">Draws the shape and the key order.</param>
    /// <returns>The answer text and a key naming the shape (for the example's content keys).</returns>
    public static (string Text, string ShapeKey) Write(string country, string capital, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        int shape = random.Next(Shapes.Count);
        var (countryKey, capitalKey) = Shapes[shape];
        var fields = new List<(string Key, string Value)> { (capitalKey, capital) };
        if (countryKey is not null)
        {
            fields.Insert(random.Next(2) == 0 ? 0 : 1, (countryKey, country));
        }

        var properties = string.Join(",", fields.Select(f => $"{JsonSerializer.Serialize(f.Key)}:{{\"type\":\"string\"}}"));
        var required = string.Join(",", fields.Select(f => JsonSerializer.Serialize(f.Key)));
        using var schema = JsonDocument.Parse($$"""{"type":"object","properties":{{{properties}}},"required":[{{required}}]}""");
        var text = ScaffoldWriter.Write(JsonSchemaScaffold.Build(schema.RootElement), new ScriptedValues(fields.Select(f => f.Value).ToList()));
        return (text, $"json:{shape}:{string.Join("+", fields.Select(f => f.Key))}");
    }

    /// <summary>Hands the writer the known values in slot order; a record of plain strings has no choices.</summary>
    private sealed class ScriptedValues(IReadOnlyList<string> values) : IScaffoldFiller
    {
        private int next;

        public int Choose(string written, IReadOnlyList<string> openings, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"A record of required strings has no choice to make; the scaffold offered {openings.Count} after '{written}'.");

        public string FillString(string written, StringSlot slot, CancellationToken cancellationToken) => values[next++];

        public string FillNumber(string written, NumberSlot slot, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"A record of strings has no number slot (after '{written}').");
    }
}
