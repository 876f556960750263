using System.Text.Json;
using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>How one reply scored against its expected turn.</summary>
/// <param name="ExactMatch">Text and tool calls equal the expected turn (text compared trimmed, arguments as compact JSON).</param>
/// <param name="WellFormedCall">For call cases: the reply parsed and held exactly one tool call.</param>
/// <param name="CarriesToolValues">For answer cases: every scalar value of the tool result appears in the reply text.</param>
/// <param name="Correct">
/// The family's own success test, the figure the targets are stated in: a call case names the right tool with the
/// argument copied exactly; an answer case carries the tool values; a capital reply names the capital; an arithmetic
/// reply's last number is the result; sort, reverse and echo replies list exactly the expected words; a greeting is a
/// non-empty reply without a tool call. Held-out answers use phrasings never seen in training, so exact match alone
/// would measure the phrasing, not the content.
/// </param>
internal sealed record EvalScore(bool ExactMatch, bool WellFormedCall, bool CarriesToolValues, bool Correct)
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

        return new EvalScore(exact, wellFormed, carries, IsCorrect(evalCase, reply, wellFormed, carries));
    }

    private static bool IsCorrect(EvalCase evalCase, AssistantReply? reply, bool wellFormed, bool carries)
    {
        var expected = evalCase.Expected;
        if (reply is null)
        {
            return false;
        }

        if (expected.ToolCalls.Count > 0)
        {
            return wellFormed && reply.ToolCalls[0].Name == expected.ToolCalls[0].Name
                && Compact(reply.ToolCalls[0].ArgumentsJson) == Compact(expected.ToolCalls[0].ArgumentsJson);
        }

        if (reply.ToolCalls.Count > 0)
        {
            return false;
        }

        return evalCase.Family switch
        {
            _ when evalCase.Family.EndsWith("/answer", StringComparison.Ordinal) => carries,
            "capital" => reply.Text.Contains(CapitalAsked(evalCase), StringComparison.Ordinal),
            "arithmetic" => LastNumber(reply.Text) is { } value && LastNumber(expected.Text) == value,
            "sort" or "reverse" or "echo" => Words(reply.Text).SequenceEqual(Words(expected.Text), StringComparer.Ordinal),
            _ => reply.Text.Trim().Length > 0,
        };
    }

    /// <summary>The fact-table capital of the country named in the question (the longest country name that occurs).</summary>
    private static string CapitalAsked(EvalCase evalCase) =>
        Data.InstructionVocabulary.Capitals
            .Where(c => evalCase.Context[^1].Text.Contains(c.Country, StringComparison.Ordinal))
            .OrderByDescending(c => c.Country.Length)
            .Select(c => c.Capital)
            .FirstOrDefault() ?? throw new InvalidOperationException($"No fact-table country in '{evalCase.Context[^1].Text}'.");

    private static string? LastNumber(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, @"-?\d+").LastOrDefault()?.Value;

    private static IEnumerable<string> Words(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, @"\p{L}+").Select(m => m.Value);

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
