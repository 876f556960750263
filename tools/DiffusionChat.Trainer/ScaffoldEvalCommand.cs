using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DiffusionChat.Generation;
using DiffusionChat.Hosting;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Prompting;
using DiffusionChat.Structured;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Evaluation;

namespace DiffusionChat.Trainer;

/// <summary>
/// <c>scaffold-eval --model &lt;folder&gt;</c>: tool calls and typed JSON answers written by scaffolding
/// (<see cref="ToolCallScaffold"/>, <see cref="JsonSchemaScaffold"/>) against free decoding with the model's default
/// sampler, on the held-out tool prompts of <c>eval</c> plus real place names: structural validity, call accuracy and
/// forward passes per call, side by side. Masked and autoregressive models.
/// </summary>
internal static class ScaffoldEvalCommand
{
    public const string Usage = "  scaffold-eval --model <folder> [--count 200] [--seed 1234] [--max-tokens 64] [--block <the model's default block length, at most 4>] [--threshold 0.9] [--tail 16] [--threads 0] [--out <file.md>] [--show 0]";

    /// <summary>Real places, written as their own languages spell them (non-ASCII letters included).</summary>
    private static readonly string[] RealPlaces = ["Oslo", "São Paulo", "Tromsø", "Zürich", "Kraków", "Reykjavík", "New York", "Tokyo", "Düsseldorf", "Paris", "Montréal", "Málaga"];

    private static readonly string CapitalSchema = """{"type":"object","properties":{"country":{"type":"string"},"city":{"type":"string"}},"required":["country","city"],"additionalProperties":false}""";

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var folder = options.RequiredString("model");
        int count = options.Int("count", 200, 1);
        int seed = options.Int("seed", 1234);
        int maxTokens = options.Int("max-tokens", 64, 1);
        int? block = options.String("block") is null ? null : options.Int("block", 4, 1);
        var masked = new MaskedScaffoldOptions
        {
            BlockLength = block ?? 4,
            ConfidenceThreshold = options.Double("threshold", 0.9, 1e-9, 1),
            TailLength = options.Int("tail", 16, 0),
        };
        int threads = options.Int("threads", 0, 0);
        int show = options.Int("show", 0, 0);
        var output = options.String("out");
        options.RejectUnknown();
        if (threads > 0)
        {
            TorchSharp.torch.set_num_threads(threads);
        }

        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" }, cancellationToken);
        using var decoder = model.Generator.Family == ModelFamily.Autoregressive
            ? LlamaForCausalLM.FromCheckpoint(DiffusionChat.Checkpoints.CheckpointFolder.Open(folder), TorchSharp.torch.CPU)
            : null;
        var denoiser = (model.Generator as MaskedTokenGenerator)?.Denoiser;
        if (block is null)
        {
            // What the scaffolding middleware uses when the app sets nothing.
            masked = masked with { BlockLength = MaskedScaffoldOptions.ForModelDefaultBlockLength(model.Generator.DefaultDiffusion.BlockLength).BlockLength };
        }

        var simplex = model.Generator as SimplexTokenGenerator;
        int vocabularySize = denoiser?.VocabSize ?? decoder?.Config.VocabSize ?? simplex?.Denoiser.VocabSize
            ?? throw new NotSupportedException($"scaffold-eval needs a masked, autoregressive or simplex model; '{folder}' is {model.Generator.Family}.");
        var vocabulary = new SlotVocabulary(model.Tokenizer, vocabularySize, denoiser is null ? null : [denoiser.MaskTokenId]);
        var stopIds = model.Format.EndOfTurnMarkers
            .Select(m => model.Tokenizer.TryGetSpecialTokenId(m, out int id) ? id : -1).Where(id => id >= 0).ToList();

        IScaffoldFillerLease Filler(IReadOnlyList<int> prompt)
        {
            if (denoiser is not null)
            {
                return new Lease<MaskedScaffoldFiller>(new MaskedScaffoldFiller(denoiser, model.Tokenizer, prompt, vocabulary, masked), f => f.Costs);
            }

            if (simplex is not null)
            {
                return new Lease<SimplexScaffoldFiller>(SimplexScaffoldFiller.For(simplex, model.Tokenizer, prompt, vocabulary), f => f.Costs);
            }

            return new Lease<AutoregressiveScaffoldFiller>(new AutoregressiveScaffoldFiller(decoder!, model.Tokenizer, prompt, vocabulary), f => f.Costs);
        }

        var cases = new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(count).SelectMany(EvalCase.From)
            .Where(c => c.Family.EndsWith("/call", StringComparison.Ordinal) || c.Family == "capital")
            .Concat(RealPlaceCases()).ToList();
        var rows = new List<Row>();
        var clock = Stopwatch.StartNew();
        foreach (var evalCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool call = evalCase.Family.EndsWith("/call", StringComparison.Ordinal);
            var tools = call ? evalCase.Tools : [];
            var prompt = model.Tokenizer.Encode(model.Format.Render(evalCase.Context, tools));

            var request = new GenerationRequest(prompt, maxTokens, TokenSampling.Greedy, new DiffusionGenerationOptions()) { StopTokenIds = stopIds };
            var free = (await model.Generator.GenerateAsync([request], cancellationToken).ConfigureAwait(false)).Single();
            var freeText = model.Tokenizer.Decode(free.Tokens);

            using var filler = Filler(prompt);
            var canvas = call ? ToolCallScaffold.Build(evalCase.Tools) : JsonSchemaScaffold.Build(JsonDocument.Parse(CapitalSchema).RootElement);
            var scaffoldText = ScaffoldWriter.Write(canvas, filler.Filler, cancellationToken: cancellationToken);
            var costs = filler.Costs;
            rows.Add(call
                ? CallRow(evalCase, model.Format, freeText, free.ForwardPasses, scaffoldText, costs)
                : CapitalRow(evalCase, freeText, free.ForwardPasses, scaffoldText, costs));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{rows.Count}/{cases.Count}] {clock.Elapsed.TotalSeconds:0}s {evalCase.Family}: {scaffoldText} ({costs.ForwardPasses} passes; free {free.ForwardPasses})"));
        }

        clock.Stop();
        var report = Report(folder, model.Generator.Family, model.Generator.DefaultDiffusion, denoiser is null ? null : masked, count, seed, maxTokens, rows, clock.Elapsed, show);
        Console.WriteLine(report);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>"What is the weather in São Paulo?" and "What time is it in Tromsø?" for every real place, the two demo tools offered.</summary>
    private static IEnumerable<EvalCase> RealPlaceCases()
    {
        IReadOnlyList<ToolDefinition> tools = [InstructionSetGenerator.WeatherTool, InstructionSetGenerator.TimeTool];
        foreach (var place in RealPlaces)
        {
            var arguments = "{\"city\":" + JsonSerializer.Serialize(place) + "}";
            yield return new EvalCase("real-place/weather/call", [ChatTurn.User($"What is the weather in {place}?")], tools, ChatTurn.Assistant("", new ToolCall("get_weather", arguments)));
            yield return new EvalCase("real-place/time/call", [ChatTurn.User($"What time is it in {place}?")], tools, ChatTurn.Assistant("", new ToolCall("get_time", arguments)));
        }
    }

    private static Row CallRow(EvalCase evalCase, IChatPromptFormat format, string freeText, int freePasses, string scaffoldText, ScaffoldCosts costs)
    {
        var free = EvalScore.Of(evalCase, freeText, format);
        var scaffold = EvalScore.Of(evalCase, scaffoldText, format);
        return new Row(evalCase.Family, evalCase.Context[^1].Text, free.WellFormedCall, free.Correct, freePasses, CallValid(scaffoldText, evalCase.Tools, format), scaffold.Correct, costs, freeText, scaffoldText);
    }

    /// <summary>The reply parses as exactly one call to an offered tool whose arguments match the tool's schema.</summary>
    private static bool CallValid(string text, IReadOnlyList<ToolDefinition> tools, IChatPromptFormat format)
    {
        try
        {
            var reply = format.ParseReply(text);
            if (reply.ToolCalls.Count != 1 || tools.FirstOrDefault(t => t.Name == reply.ToolCalls[0].Name) is not { } tool)
            {
                return false;
            }

            using var schema = JsonDocument.Parse(tool.ParametersSchemaJson);
            return JsonSchemaValidator.TryValidate(reply.ToolCalls[0].ArgumentsJson, schema.RootElement, out _);
        }
        catch (ToolCallFormatException)
        {
            return false;
        }
    }

    private static Row CapitalRow(EvalCase evalCase, string freeText, int freePasses, string scaffoldText, ScaffoldCosts costs)
    {
        using var schema = JsonDocument.Parse(CapitalSchema);
        var question = evalCase.Context[^1].Text;
        var capital = InstructionVocabulary.Capitals.Where(c => question.Contains(c.Country, StringComparison.Ordinal)).OrderByDescending(c => c.Country.Length).First().Capital;
        bool Right(string json) => JsonSchemaValidator.TryValidate(json, schema.RootElement, out _)
            && JsonDocument.Parse(json).RootElement.GetProperty("city").GetString() == capital;
        bool freeValid = JsonSchemaValidator.TryValidate(freeText.Trim(), schema.RootElement, out _);
        bool scaffoldValid = JsonSchemaValidator.TryValidate(scaffoldText, schema.RootElement, out _);
        return new Row("capital/json", question, freeValid, freeValid && Right(freeText.Trim()), freePasses, scaffoldValid, scaffoldValid && Right(scaffoldText), costs, freeText, scaffoldText);
    }

    private static string Report(string folder, ModelFamily family, DiffusionGenerationOptions defaults, MaskedScaffoldOptions? masked, int count, int seed, int maxTokens, List<Row> rows, TimeSpan elapsed, int show)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var method = masked is not null
            ? string.Create(c, $"masked infilling (value block {masked.BlockLength}, threshold {masked.ConfidenceThreshold}, tail {masked.TailLength}).")
            : family == ModelFamily.SimplexDiffusion
                ? string.Create(c, $"simplex value blocks (block {defaults.BlockLength}, {defaults.Steps} steps each, values from the slot's vocabulary; choices by the full-noise first-position score).")
                : "constrained decoding (forced skeleton, greedy values, KV cache).";
        text.AppendLine(c, $"Scaffolded vs free decoding on `{folder}`: tool-call and capital cases of {count} held-out conversations (seed {seed}) plus {RealPlaces.Length * 2} real-place calls; free = default sampler (steps {defaults.Steps?.ToString(c) ?? "-"}, block {defaults.BlockLength?.ToString(c) ?? "-"}, up to {maxTokens} tokens), greedy; scaffold = {method}");
        text.AppendLine();
        text.AppendLine("| family | n | free: valid | free: correct | free: passes/case | scaffold: valid | scaffold: correct | scaffold: passes/case | scaffold: rows/case | host reads/case |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in rows.GroupBy(r => r.Family).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AppendFamily(text, group.Key, group.ToList());
        }

        var calls = rows.Where(r => r.Family.EndsWith("/call", StringComparison.Ordinal)).ToList();
        AppendFamily(text, "**all calls**", calls);
        text.AppendLine();
        text.AppendLine(c, $"valid = the reply is one call to an offered tool with schema-valid arguments (capital/json: the answer is JSON valid against {{country, city}}); correct = right tool and place copied exactly (capital/json: city is the capital). {rows.Count} cases in {elapsed.TotalSeconds:0} s.");
        if (show > 0)
        {
            text.AppendLine().AppendLine(c, $"First {show} cases per family the scaffold got wrong (question -> free | scaffold):").AppendLine();
            foreach (var row in rows.Where(r => !r.ScaffoldCorrect).GroupBy(r => r.Family).OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g.Take(show)))
            {
                text.AppendLine(c, $"- {row.Family}: `{Escape(row.Question)}` -> `{Escape(row.FreeText)}` | `{Escape(row.ScaffoldText)}`");
            }
        }

        return text.ToString();

        static string Escape(string s) => s.Replace("\n", "\\n", StringComparison.Ordinal).Replace("`", "'", StringComparison.Ordinal);
    }

    private static void AppendFamily(StringBuilder text, string family, List<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        int n = rows.Count;
        string Pct(Func<Row, bool> f) => (100.0 * rows.Count(f) / n).ToString("0.0", c) + " %";
        string Mean(Func<Row, int> f) => rows.Average(f).ToString("0.0", c);
        text.AppendLine(c, $"| {family} | {n} | {Pct(r => r.FreeValid)} | {Pct(r => r.FreeCorrect)} | {Mean(r => r.FreePasses)} | {Pct(r => r.ScaffoldValid)} | {Pct(r => r.ScaffoldCorrect)} | {Mean(r => r.Costs.ForwardPasses)} | {Mean(r => r.Costs.SequencePasses)} | {Mean(r => r.Costs.HostReads)} |");
    }

    private sealed record Row(string Family, string Question, bool FreeValid, bool FreeCorrect, int FreePasses, bool ScaffoldValid, bool ScaffoldCorrect, ScaffoldCosts Costs, string FreeText, string ScaffoldText);

    /// <summary>A filler of either family with its cost counter, disposed after one case.</summary>
    private interface IScaffoldFillerLease : IDisposable
    {
        IScaffoldFiller Filler { get; }

        ScaffoldCosts Costs { get; }
    }

    private sealed class Lease<T>(T filler, Func<T, ScaffoldCosts> costs) : IScaffoldFillerLease
        where T : IScaffoldFiller, IDisposable
    {
        public IScaffoldFiller Filler => filler;

        public ScaffoldCosts Costs => costs(filler);

        public void Dispose() => filler.Dispose();
    }
}
