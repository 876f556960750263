using System.Text.Json;
using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>How one reply scored against its expected turn.</summary>
/// <param name="ExactMatch">Text and tool calls equal the expected turn (text compared trimmed, arguments as compact JSON).</param>
/// <param name="WellFormedCall">For call cases: the reply parsed and held exactly one tool call.</param>
/// <param name="CarriesToolValues">For answer cases: every scalar value of the tool result appears in the reply text.</param>
internal sealed record EvalScore(bool ExactMatch, bool WellFormedCall, bool CarriesToolValues)
{
    /// <summary>Scores a generated reply.</summary>
    public static EvalScore Of(EvalCase evalCase, string generated, IChatPromptFormat format)
    {
        AssistantReply? reply;
        try
        {
            reply = format.ParseReply(generated);
        }
        catch (ToolCallFormatException)
        {
            reply = null;
        }

        var expected = evalCase.Expected;
        bool exact = reply is not null
            && string.Equals(reply.Text.Trim(), expected.Text.Trim(), StringComparison.Ordinal)
            && reply.ToolCalls.Count == expected.ToolCalls.Count
            && reply.ToolCalls.Zip(expected.ToolCalls).All(p => p.First.Name == p.Second.Name && Compact(p.First.ArgumentsJson) == Compact(p.Second.ArgumentsJson));
        bool wellFormed = reply is not null && reply.ToolCalls.Count == 1;
        bool carries = false;
        if (evalCase.Context.Count > 0 && evalCase.Context[^1].Role == ChatTurnRole.Tool && reply is not null)
        {
            var values = evalCase.Context[^1].ToolResults.SelectMany(r => Scalars(r.Content)).ToList();
            carries = values.Count > 0 && values.All(v => reply.Text.Contains(v, StringComparison.OrdinalIgnoreCase));
        }

        return new EvalScore(exact, wellFormed, carries);
    }

    private static string Compact(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(doc.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static IEnumerable<string> Scalars(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            yield break;
        }

        using (doc)
        {
            var stack = new Stack<JsonElement>([doc.RootElement]);
            while (stack.Count > 0)
            {
                var e = stack.Pop();
                switch (e.ValueKind)
                {
                    case JsonValueKind.Object:
                        foreach (var p in e.EnumerateObject())
                        {
                            stack.Push(p.Value);
                        }

                        break;
                    case JsonValueKind.Array:
                        foreach (var item in e.EnumerateArray())
                        {
                            stack.Push(item);
                        }

                        break;
                    case JsonValueKind.String:
                        yield return e.GetString()!;
                        break;
                    case JsonValueKind.Number:
                        yield return e.GetRawText();
                        break;
                }
            }
        }
    }
}
