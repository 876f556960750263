using System.Globalization;
using System.Text;
using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>The realistic split's Markdown report: per family, pooled, per kind of place name, speed, failures.</summary>
internal static class RealisticReport
{
    public static string Write(string folder, int count, int seed, bool scaffolding, IReadOnlyList<RealisticResult> results, TimeSpan elapsed, int showFailures)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Realistic evaluation of `{folder}`: {count} held-out app conversations (seed {seed}), {results.Count} requests through `services.AddDiffusionChatClient(...)` (scaffolding {(scaffolding ? "on, the default" : "off")}), tools as AIFunctions, otherwise default ChatOptions (no MaxOutputTokens, no diffusion settings; greedy). Places, phrasings, system texts, tool definitions and result shapes are never in training.");
        text.AppendLine();
        text.AppendLine("| family | n | correct | well-formed tool call | did not fit the context | forward passes per answer token | forward passes per request | tokens/s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var rows = results.GroupBy(r => r.Family).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (IReadOnlyList<RealisticResult>)g.ToList())).ToList();
        rows.Add(("pooled calls", results.Where(r => r.Family.EndsWith("/call", StringComparison.Ordinal)).ToList()));
        rows.Add(("pooled answers", results.Where(r => r.Family.EndsWith("/answer", StringComparison.Ordinal)).ToList()));
        foreach (var (family, group) in rows.Where(r => r.Item2.Count > 0))
        {
            bool isCall = family.EndsWith("call", StringComparison.Ordinal) || family == "pooled calls";
            text.AppendLine(c, $"| {family} | {group.Count} | {Percent(group, r => r.Correct)} | {(isCall ? Percent(group, r => r.WellFormedCall) : "-")} | {group.Count(r => r.DidNotFit)} | {PassesPerToken(group)} | {PassesPerRequest(group)} | {TokensPerSecond(group)} |");
        }

        var calls = results.Where(r => r.Family.EndsWith("/call", StringComparison.Ordinal)).ToList();
        if (calls.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Tool calls by kind of place name:");
            text.AppendLine();
            text.AppendLine("| place name | n | right tool, place copied exactly |");
            text.AppendLine("|---|---:|---:|");
            foreach (var kind in Enum.GetValues<PlaceKind>())
            {
                var ofKind = calls.Where(r => r.Kind == kind).ToList();
                if (ofKind.Count > 0)
                {
                    text.AppendLine(c, $"| {Describe(kind)} | {ofKind.Count} | {Percent(ofKind, r => r.Correct)} |");
                }
            }
        }

        int tokens = results.Sum(r => r.Tokens);
        text.AppendLine();
        text.AppendLine(c, $"Generation: {tokens} answer tokens, {results.Sum(r => r.ForwardPasses)} forward passes ({PassesPerToken(results)} per answer token) in {elapsed.TotalSeconds:0.0} s ({TokensPerSecond(results)} tokens/s over the requests' wall time, one request at a time, CPU).");
        if (showFailures > 0)
        {
            text.AppendLine();
            text.AppendLine(c, $"First {showFailures} incorrect replies per family (question -> expected | reply):");
            text.AppendLine();
            foreach (var family in results.Where(r => !r.Correct).GroupBy(r => r.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                foreach (var r in family.Take(showFailures))
                {
                    text.AppendLine(c, $"- {family.Key}: `{Escape(r.Question)}` -> `{Escape(r.Expected)}` | `{Escape(r.Reply)}`");
                }
            }
        }

        return text.ToString();
    }

    private static string Describe(PlaceKind kind) => kind switch
    {
        PlaceKind.OneWord => "one word, ASCII",
        PlaceKind.SeveralWords => "several words, ASCII",
        PlaceKind.Diacritics => "diacritics (non-ASCII Latin)",
        _ => "non-Latin script",
    };

    private static string Percent(IReadOnlyList<RealisticResult> group, Func<RealisticResult, bool> test) =>
        (100.0 * group.Count(test) / group.Count).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string PassesPerToken(IReadOnlyList<RealisticResult> group)
    {
        int tokens = group.Sum(r => r.Tokens);
        return tokens == 0 ? "-" : (group.Sum(r => r.ForwardPasses) / (double)tokens).ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string PassesPerRequest(IReadOnlyList<RealisticResult> group)
    {
        var answered = group.Where(r => !r.DidNotFit).ToList();
        return answered.Count == 0 ? "-" : answered.Average(r => r.ForwardPasses).ToString("0.0", CultureInfo.InvariantCulture);
    }

    private static string TokensPerSecond(IReadOnlyList<RealisticResult> group)
    {
        double seconds = group.Sum(r => r.Seconds);
        return seconds <= 0 ? "-" : (group.Sum(r => r.Tokens) / seconds).ToString("0.0", CultureInfo.InvariantCulture);
    }

    private static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
}
