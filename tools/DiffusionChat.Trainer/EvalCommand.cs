using System.Diagnostics;
using System.Globalization;
using System.Text;
using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Evaluation;

namespace DiffusionChat.Trainer;

/// <summary>
/// <c>eval --model &lt;folder&gt;</c>: held-out accuracy per task family for a shipped model with its default sampler
/// settings, through the library's own loader, template, tokenizer and generator (greedy, seeded). Prints a Markdown
/// table and optionally writes it to a file.
/// </summary>
internal static class EvalCommand
{
    public const string Usage = "  eval --model <folder> [--count 200] [--seed 1234] [--max-tokens 64] [--out <file.md>]";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var folder = options.RequiredString("model");
        int count = options.Int("count", 200, 1);
        int seed = options.Int("seed", 1234);
        int maxTokens = options.Int("max-tokens", 64, 1);
        var output = options.String("out");
        options.RejectUnknown();

        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" }, cancellationToken);
        var cases = new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(count).SelectMany(EvalCase.From).ToList();
        var stopIds = model.Format.EndOfTurnMarkers
            .Select(m => model.Tokenizer.TryGetSpecialTokenId(m, out int id) ? id : -1).Where(id => id >= 0).ToList();

        var results = new List<(EvalCase Case, EvalScore Score, int Tokens)>();
        var clock = Stopwatch.StartNew();
        foreach (var evalCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prompt = model.Tokenizer.Encode(model.Format.Render(evalCase.Context, evalCase.Tools));
            var request = new GenerationRequest(prompt, maxTokens, TokenSampling.Greedy, new DiffusionGenerationOptions()) { StopTokenIds = stopIds };
            var generated = (await model.Generator.GenerateAsync([request], cancellationToken).ConfigureAwait(false)).Single();
            var text = model.Tokenizer.Decode(generated.Tokens);
            results.Add((evalCase, EvalScore.Of(evalCase, text, model.Format), generated.Tokens.Count));
        }

        clock.Stop();
        var table = Table(folder, count, seed, maxTokens, results, clock.Elapsed, model.Generator.DefaultDiffusion);
        Console.WriteLine(table);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, table, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    private static string Table(string folder, int count, int seed, int maxTokens, List<(EvalCase Case, EvalScore Score, int Tokens)> results, TimeSpan elapsed, DiffusionGenerationOptions defaults)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Held-out evaluation of `{folder}`: {count} generated held-out conversations (seed {seed}), {results.Count} assistant turns, greedy, up to {maxTokens} answer tokens, default sampler settings (steps {defaults.Steps?.ToString(c) ?? "-"}, block {defaults.BlockLength?.ToString(c) ?? "-"}).");
        text.AppendLine();
        text.AppendLine("| family | n | exact match | well-formed tool call | answer carries tool values |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Case.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int n = group.Count();
            string Pct(Func<EvalScore, bool> f) => (100.0 * group.Count(r => f(r.Score)) / n).ToString("0.0", c) + " %";
            bool isCall = group.Key.EndsWith("/call", StringComparison.Ordinal), isAnswer = group.Key.EndsWith("/answer", StringComparison.Ordinal);
            text.AppendLine(c, $"| {group.Key} | {n} | {Pct(s => s.ExactMatch)} | {(isCall ? Pct(s => s.WellFormedCall) : "-")} | {(isAnswer ? Pct(s => s.CarriesToolValues) : "-")} |");
        }

        int tokens = results.Sum(r => r.Tokens);
        text.AppendLine();
        text.AppendLine(c, $"Generation: {tokens} answer tokens in {elapsed.TotalSeconds:0.0} s ({tokens / Math.Max(elapsed.TotalSeconds, 1e-9):0.0} tokens/s, one request at a time, CPU).");
        return text.ToString();
    }
}
