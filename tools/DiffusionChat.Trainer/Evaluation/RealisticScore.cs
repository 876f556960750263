using System.Text;
using System.Text.Json;
using DiffusionChat.Trainer.Data;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// Scores what the public client returned for a realistic-split request: a call is right when the first function
/// call names the needed tool and passes the place, exactly, under the tool's own parameter name; an answer after the
/// tool result is right when it makes no call and its text contains every required value (temperature and condition,
/// or the clock time; case ignored); a capital answer is right when it makes no call and names the capital.
/// </summary>
internal static class RealisticScore
{
    /// <summary>Whether <paramref name="response"/> makes the scenario's call (and whether it made any call).</summary>
    public static (bool Correct, bool WellFormed) Call(AppScenario scenario, ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(response);
        var expected = scenario.ReferenceCall();
        var calls = Calls(response);
        if (calls.Count == 0)
        {
            return (false, false);
        }

        var first = calls[0];
        bool right = first.Name == expected.Name
            && first.Arguments is { } arguments && arguments.TryGetValue(scenario.Called!.Parameter, out var value)
            && Text(value) is { } text && string.Equals(text.Normalize(NormalizationForm.FormC), scenario.Place!.Normalize(NormalizationForm.FormC), StringComparison.Ordinal);
        return (right, true);
    }

    /// <summary>Whether <paramref name="response"/> answers without a call and carries every required value.</summary>
    public static bool Answer(AppScenario scenario, ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(response);
        if (Calls(response).Count > 0)
        {
            return false;
        }

        var text = response.Text;
        var comparison = scenario.Family == "capital" ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return scenario.AnswerValues.All(v => text.Contains(v, comparison));
    }

    /// <summary>The reply as one line: its text, then each call as <c>name(arguments)</c>.</summary>
    public static string Describe(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var calls = Calls(response).Select(c => $"{c.Name}({JsonSerializer.Serialize(c.Arguments, AIJsonUtilities.DefaultOptions).Replace("\n", "", StringComparison.Ordinal).Replace("  ", "", StringComparison.Ordinal)})");
        return string.Join(" ", new[] { response.Text }.Concat(calls).Where(s => s.Length > 0));
    }

    private static List<FunctionCallContent> Calls(ChatResponse response) =>
        response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();

    private static string? Text(object? value) => value switch
    {
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
        _ => null,
    };
}
