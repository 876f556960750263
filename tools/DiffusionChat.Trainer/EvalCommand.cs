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
/// settings. The generator split runs the instruction set's held-out conversations through the library's own loader,
/// template, tokenizer and generator (greedy, seeded); the realistic split (<see cref="RealisticEval"/>) runs held-out
/// app conversations through the public client with default options. Prints Markdown tables and optionally writes
/// them to a file.
/// </summary>
internal static class EvalCommand
{
    public const string Usage = "  eval --model <folder> [--split generator|realistic|both] [--count 200] [--seed 1234] [--max-tokens 64] [--out <file.md>] [--brown <package-folder> [--nll-rows 48] [--nll-length 128] [--draws 32]] [--show-failures 0] [--threads 0]\n"
        + "        realistic split: [--realistic-count 100] [--places " + PlacePackages.DefaultFolder + "] [--scaffolding on|off] (tools/DiffusionChat.Trainer/fetch-places.sh fetches the places)";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var folder = options.RequiredString("model");
        int count = options.Int("count", 200, 1);
        int seed = options.Int("seed", 1234);
        int maxTokens = options.Int("max-tokens", 64, 1);
        var output = options.String("out");
        var brown = options.String("brown");
        int nllRows = options.Int("nll-rows", 48, 1);
        int nllLength = options.Int("nll-length", 128, 8);
        int draws = options.Int("draws", 32, 1);
        int threads = options.Int("threads", 0, 0);
        int showFailures = options.Int("show-failures", 0, 0);
        var split = options.String("split") ?? "generator";
        int realisticCount = options.Int("realistic-count", 100, 1);
        var placesFolder = options.String("places") ?? PlacePackages.DefaultFolder;
        var scaffolding = options.String("scaffolding") ?? "on";
        options.RejectUnknown();
        if (scaffolding is not ("on" or "off"))
        {
            throw new ArgumentException($"Unknown --scaffolding '{scaffolding}'. Allowed: on (the registered client's default), off.");
        }

        if (split is not ("generator" or "realistic" or "both"))
        {
            throw new ArgumentException($"Unknown --split '{split}'. Allowed: generator, realistic, both.");
        }

        if (threads > 0)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        // Loaded first, so a missing package fails at once, not after the generator split.
        var places = split == "generator" ? null : RealPlaces.Load(placesFolder);
        var report = "";
        if (split != "realistic")
        {
            report += await GeneratorSplitAsync(folder, count, seed, maxTokens, brown, nllRows, nllLength, draws, showFailures, cancellationToken).ConfigureAwait(false);
        }

        if (places is not null)
        {
            var scenarios = new AppPromptGenerator(DataSplit.HeldOut, places, seed).Generate(realisticCount);
            var clock = Stopwatch.StartNew();
            var results = await RealisticEval.RunAsync(folder, scenarios, scaffolding == "on", cancellationToken).ConfigureAwait(false);
            report += (report.Length > 0 ? Environment.NewLine : "") + RealisticReport.Write(folder, realisticCount, seed, scaffolding == "on", results, clock.Elapsed, showFailures);
        }

        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>The generator split: held-out conversations of <see cref="InstructionSetGenerator"/> through the model's generator.</summary>
    private static async Task<string> GeneratorSplitAsync(string folder, int count, int seed, int maxTokens, string? brown, int nllRows, int nllLength, int draws, int showFailures, CancellationToken cancellationToken)
    {
        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" }, cancellationToken);
        var cases = new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(count).SelectMany(EvalCase.From).ToList();
        var stopIds = model.Format.EndOfTurnMarkers
            .Select(m => model.Tokenizer.TryGetSpecialTokenId(m, out int id) ? id : -1).Where(id => id >= 0).ToList();

        var results = new List<(EvalCase Case, EvalScore Score, int Tokens, int Passes, string Answer)>();
        int tooLong = 0;
        int contextLimit = ContextLimit(folder);
        var clock = Stopwatch.StartNew();
        foreach (var evalCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prompt = model.Tokenizer.Encode(model.Format.Render(evalCase.Context, evalCase.Tools));
            var request = new GenerationRequest(prompt, maxTokens, TokenSampling.Greedy, new DiffusionGenerationOptions()) { StopTokenIds = stopIds };
            IReadOnlyList<int> tokens = [];
            int passes = 0;
            if (prompt.Count + maxTokens > contextLimit)
            {
                // The prompt plus the answer window does not fit the model's context: scored as a failure, counted.
                tooLong++;
            }
            else
            {
                var generated = (await model.Generator.GenerateAsync([request], cancellationToken).ConfigureAwait(false)).Single();
                (tokens, passes) = (generated.Tokens, generated.ForwardPasses);
            }

            var answer = model.Tokenizer.Decode(tokens);
            results.Add((evalCase, EvalScore.Of(evalCase, answer, model.Format), tokens.Count, passes, answer));
        }

        clock.Stop();
        var table = Table(folder, count, seed, maxTokens, results, clock.Elapsed, model.Generator.DefaultDiffusion);
        if (tooLong > 0)
        {
            table += Environment.NewLine + string.Create(CultureInfo.InvariantCulture, $"{tooLong} of {results.Count} cases did not fit the model's {contextLimit}-token context (prompt + {maxTokens} answer tokens) and count as failures.") + Environment.NewLine;
        }

        if (showFailures > 0)
        {
            table += Failures(results, showFailures);
        }

        if (brown is not null)
        {
            table += HeldOutTextLine(folder, brown, model.Tokenizer, nllRows, nllLength, draws, seed, cancellationToken);
        }

        return table;
    }

    /// <summary>
    /// The first <paramref name="perFamily"/> incorrect answers of each family, as the question (last turn of the
    /// context), the expected answer and the model's answer, so a reader sees what a model writes, not only how often
    /// it is right.
    /// </summary>
    private static string Failures(List<(EvalCase Case, EvalScore Score, int Tokens, int Passes, string Answer)> scored, int perFamily)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"First {perFamily} incorrect answers per family (last context turn -> expected | generated):").AppendLine();
        foreach (var family in scored.Where(s => !s.Score.Correct).GroupBy(s => s.Case.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var (evalCase, _, _, _, answer) in family.Take(perFamily))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {family.Key}: `{Escape(evalCase.Context[^1].Text)}` -> `{Escape(evalCase.Expected.Text)}` | `{Escape(answer)}`");
            }
        }

        return text.ToString();

        static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
    }

    /// <summary>The context length config.json declares (max_sequence_length, max_position_embeddings or n_positions).</summary>
    private static int ContextLimit(string folder)
    {
        using var checkpoint = DiffusionChat.Checkpoints.CheckpointFolder.Open(folder);
        foreach (var name in (string[])["max_sequence_length", "max_position_embeddings", "n_positions"])
        {
            if (checkpoint.Config.TryGetProperty(name, out var value) && value.TryGetInt32(out int limit))
            {
                return limit;
            }
        }

        return int.MaxValue;
    }

    /// <summary>Held-out Brown NLL per token: exact for an autoregressive model, MDLM's ELBO bound for a masked one.</summary>
    private static string HeldOutTextLine(string folder, string brown, DiffusionChat.Tokenization.ITextTokenizer tokenizer, int rowCount, int length, int draws, int seed, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        if (!tokenizer.TryGetSpecialTokenId(DiffusionChat.Prompting.ChatMarkers.EndOfText, out int separator))
        {
            throw new InvalidOperationException($"The tokenizer of '{folder}' has no {DiffusionChat.Prompting.ChatMarkers.EndOfText} token to separate documents.");
        }

        var stream = BrownCorpusReader.ReadSentences(brown, DataSplit.HeldOut).SelectMany(sentence => tokenizer.Encode(sentence).Append(separator));
        var rows = HeldOutLikelihood.Rows(stream, separator, length, rowCount);
        var scored = rows.Sum(r => r.Length - 1);
        using var checkpoint = DiffusionChat.Checkpoints.CheckpointFolder.Open(folder);
        var modelType = checkpoint.Config.TryGetProperty("model_type", out var type) ? type.GetString() : null;
        var clock = Stopwatch.StartNew();
        string figure;
        if (modelType == "llama")
        {
            using var model = DiffusionChat.Models.Autoregressive.LlamaForCausalLM.FromCheckpoint(checkpoint, TorchSharp.torch.CPU);
            var nll = HeldOutLikelihood.Autoregressive(model, rows, TorchSharp.torch.CPU, cancellationToken);
            figure = $"{nll:0.000} nats/token exact (perplexity {Math.Exp(nll):0.0})";
        }
        else if (modelType is not null && DiffusionChat.Models.DiffusionModel.SupportedTypes.Contains(modelType))
        {
            using var denoiser = DiffusionChat.Models.DiffusionModel.Load(checkpoint, TorchSharp.torch.CPU);
            var nll = HeldOutLikelihood.MaskedElbo(denoiser, rows, draws, seed, cancellationToken);
            figure = $"<= {nll:0.000} nats/token, MDLM ELBO bound over {draws} stratified noise levels per row (perplexity <= {Math.Exp(nll):0.0})";
        }
        else
        {
            figure = $"not computed: model type '{modelType}' has no likelihood in this tool (SSD-LM defines no tractable bound here)";
        }

        return Environment.NewLine + string.Create(c, $"Held-out Brown text (every 20th document, never trained on): {rows.Count} rows of 1 context + {length} scored tokens ({scored:N0} tokens): NLL {figure}; {clock.Elapsed.TotalSeconds:0.0} s.") + Environment.NewLine;
    }

    private static string Table(string folder, int count, int seed, int maxTokens, List<(EvalCase Case, EvalScore Score, int Tokens, int Passes, string Answer)> results, TimeSpan elapsed, DiffusionGenerationOptions defaults)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Held-out evaluation of `{folder}`: {count} generated held-out conversations (seed {seed}), {results.Count} assistant turns, greedy, up to {maxTokens} answer tokens, default sampler settings (steps {defaults.Steps?.ToString(c) ?? "-"}, block {defaults.BlockLength?.ToString(c) ?? "-"}).");
        text.AppendLine();
        text.AppendLine("| family | n | correct | exact match | well-formed tool call | answer carries tool values | forward passes per answer token |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Case.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            int n = group.Count();
            string Pct(Func<EvalScore, bool> f) => (100.0 * group.Count(r => f(r.Score)) / n).ToString("0.0", c) + " %";
            bool isCall = group.Key.EndsWith("/call", StringComparison.Ordinal), isAnswer = group.Key.EndsWith("/answer", StringComparison.Ordinal);
            text.AppendLine(c, $"| {group.Key} | {n} | {Pct(s => s.Correct)} | {Pct(s => s.ExactMatch)} | {(isCall ? Pct(s => s.WellFormedCall) : "-")} | {(isAnswer ? Pct(s => s.CarriesToolValues) : "-")} | {PassesPerToken(group.ToList())} |");
        }

        int tokens = results.Sum(r => r.Tokens);
        text.AppendLine();
        text.AppendLine(c, $"Generation: {tokens} answer tokens, {results.Sum(r => r.Passes)} forward passes ({PassesPerToken(results)} per answer token) in {elapsed.TotalSeconds:0.0} s ({tokens / Math.Max(elapsed.TotalSeconds, 1e-9):0.0} tokens/s, one request at a time, CPU).");
        return text.ToString();

        static string PassesPerToken(List<(EvalCase Case, EvalScore Score, int Tokens, int Passes, string Answer)> rows) =>
            rows.Sum(r => r.Tokens) == 0 ? "-" : (rows.Sum(r => r.Passes) / (double)rows.Sum(r => r.Tokens)).ToString("0.00", CultureInfo.InvariantCulture);
    }
}
