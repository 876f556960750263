using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Samples.Compare;

/// <summary>Sends the same prompts through several chat clients and measures each answer.</summary>
internal sealed class ComparisonRunner
{
    private readonly IReadOnlyList<KeyValuePair<string, IChatClient>> clients;

    /// <summary>Creates the runner over named clients (compared in the given order).</summary>
    public ComparisonRunner(IReadOnlyList<KeyValuePair<string, IChatClient>> clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        if (clients.Count == 0)
        {
            throw new ArgumentException("At least one client is needed.", nameof(clients));
        }

        this.clients = clients;
    }

    /// <summary>Warms every client up (first use loads the model), then runs every prompt through every client.</summary>
    public async Task<IReadOnlyList<ComparisonRow>> RunAsync(CompareSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        foreach (var (_, client) in clients)
        {
            // Loading weights is not generation: keep it out of the first row's latency.
            await client.GetResponseAsync("hi", new ChatOptions { MaxOutputTokens = 1, Seed = settings.Seed }, cancellationToken).ConfigureAwait(false);
        }

        var rows = new List<ComparisonRow>();
        foreach (var prompt in settings.Prompts)
        {
            foreach (var (name, client) in clients)
            {
                var options = new ChatOptions { MaxOutputTokens = settings.MaxOutputTokens, Seed = settings.Seed, Temperature = 0 };
                var clock = Stopwatch.StartNew();
                var response = await client.GetResponseAsync(prompt, options, cancellationToken).ConfigureAwait(false);
                clock.Stop();
                long? passes = response.Usage?.AdditionalCounts is { } counts && counts.TryGetValue(DiffusionChatClient.ForwardPassesCountName, out long p) ? p : null;
                rows.Add(new ComparisonRow(name, prompt, response.Text, clock.Elapsed, response.Usage?.OutputTokenCount, passes));
            }
        }

        return rows;
    }

    /// <summary>Prints the rows grouped by prompt: each client's answer and its figures.</summary>
    public static void Print(IReadOnlyList<ComparisonRow> rows, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(output);
        int width = rows.Max(r => r.Client.Length);
        foreach (var group in rows.GroupBy(r => r.Prompt))
        {
            output.WriteLine($"prompt: {group.Key}");
            foreach (var row in group)
            {
                output.WriteLine($"  {row.Client.PadRight(width)}  {row.Figures}");
                output.WriteLine($"  {new string(' ', width)}  {Shorten(row.Answer)}");
            }
        }
    }

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 100 ? line : line[..100] + "…";
    }
}
