using System.Globalization;
using System.Text;
using System.Text.Json;
using DiffusionChat.Checkpoints;
using DiffusionChat.Hosting;
using DiffusionChat.Models.Llada;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Evaluation;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer;

/// <summary>
/// <c>probe --model &lt;folder&gt;</c>: for a masked (LLaDA) model, how often one forward pass predicts the first token of
/// each copied value (a call's tool name and place; the tool result's fields an answer repeats), teacher-forced in each
/// <see cref="ProbeState"/>. Says in which masking states the model copies, which the eval's end-to-end figures cannot
/// separate.
/// </summary>
internal static class ProbeCommand
{
    public const string Usage = "  probe --model <masked folder> [--count 200] [--seed 1234] [--window 64] [--threads 0] [--out <file.md>]";

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var options = CommandOptions.Parse(args);
        var folder = options.RequiredString("model");
        int count = options.Int("count", 200, 1);
        int seed = options.Int("seed", 1234);
        int window = options.Int("window", 64, 8);
        int threads = options.Int("threads", 0, 0);
        var output = options.String("out");
        options.RejectUnknown();
        if (threads > 0)
        {
            set_num_threads(threads);
        }

        using var checkpoint = CheckpointFolder.Open(folder);
        var modelType = checkpoint.Config.TryGetProperty("model_type", out var type) ? type.GetString() : null;
        if (modelType != "llada")
        {
            throw new ArgumentException($"probe reads masked models of model_type 'llada'; '{folder}' has model_type '{modelType ?? "(none)"}'.");
        }

        // The chat model gives the tokenizer and template exactly as the eval uses them; the denoiser, loaded apart, gives
        // raw logits for inputs the sampler would never build (teacher-forced answers). Two copies of a small model.
        using var model = new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder, Device = "cpu" }, cancellationToken);
        using var denoiser = LladaDenoiser.Load(checkpoint, CPU);
        denoiser.Transformer.eval();
        var probe = new CopyProbe((int)denoiser.MaskTokenId, (int)(denoiser.EosTokenId ?? 0), window);
        var cases = new InstructionSetGenerator(DataSplit.HeldOut, seed).Generate(count).SelectMany(EvalCase.From).ToList();
        var hits = new Dictionary<(string Value, ProbeState State), int>();
        var asked = new Dictionary<string, int>();
        foreach (var evalCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rendered = ChatMlPromptFormat.Instance.RenderWithSpans([.. evalCase.Context, evalCase.Expected], evalCase.Tools, addGenerationPrompt: false);
            var answerText = rendered.Text[rendered.AssistantSpans[^1]];
            var answer = model.Tokenizer.Encode(answerText);
            var values = Values(evalCase, answerText);
            if (values.Count == 0 || answer.Count > window)
            {
                continue;
            }

            var prompt = model.Tokenizer.Encode(model.Format.Render(evalCase.Context, evalCase.Tools));
            foreach (var (value, at, length) in values)
            {
                asked[value] = asked.GetValueOrDefault(value) + 1;
                var span = TokenSpan(model.Tokenizer, answer, at, length);
                foreach (var state in Enum.GetValues<ProbeState>())
                {
                    using var scope = NewDisposeScope(); // input, mask and logits of this pass
                    var ids = probe.Input(prompt, answer, span, state);
                    var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);
                    var valid = ones([1, ids.Length], ScalarType.Bool);
                    using (no_grad())
                    {
                        var logits = denoiser.TrainingLogits(input, valid)[0, prompt.Count + span.Start.Value];
                        logits[denoiser.MaskTokenId] = double.NegativeInfinity;
                        var right = logits.argmax().item<long>() == answer[span.Start.Value];
                        hits[(value, state)] = hits.GetValueOrDefault((value, state)) + (right ? 1 : 0);
                    }
                }
            }
        }

        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"Copy probe of `{folder}`: first token of each copied value in held-out tool calls and answers from tool results (seed {seed}, {cases.Count} assistant turns), teacher-forced, one forward pass, argmax.");
        table.AppendLine();
        table.AppendLine("| value | n | sampler order (prefix clean, rest masked) | only the token masked | value hidden, rest of answer visible |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (value, n) in asked.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            table.Append(CultureInfo.InvariantCulture, $"| {value} | {n} |");
            foreach (var state in Enum.GetValues<ProbeState>())
            {
                table.Append(CultureInfo.InvariantCulture, $" {100.0 * hits.GetValueOrDefault((value, state)) / n:F1} % |");
            }

            table.AppendLine();
        }

        Console.Write(table);
        if (output is not null)
        {
            File.WriteAllText(output, table.ToString());
        }

        return Task.FromResult(0);
    }

    /// <summary>
    /// The copied values of a case and where they start in the answer text: for a tool call its tool name and first
    /// argument; for an answer from a tool result each result field whose text the answer repeats (JSON fields of the
    /// result turn, e.g. the clock time, the temperature, the place).
    /// </summary>
    private static List<(string Label, int At, int Length)> Values(EvalCase evalCase, string answerText)
    {
        var values = new List<(string Label, int At, int Length)>();
        if (evalCase.Expected.ToolCalls.Count == 1)
        {
            var call = evalCase.Expected.ToolCalls[0];
            using var arguments = JsonDocument.Parse(call.ArgumentsJson);
            var place = arguments.RootElement.EnumerateObject().First().Value.ToString();
            Add("call: tool name", '"' + call.Name + '"', 1);
            Add("call: place", '"' + place + '"', 1);
        }
        else if (evalCase.Family.EndsWith("/answer", StringComparison.Ordinal) && evalCase.Context[^1].ToolResults is [var result])
        {
            using var fields = JsonDocument.Parse(result.Content);
            foreach (var field in fields.RootElement.EnumerateObject())
            {
                Add("answer: " + field.Name, field.Value.ToString(), 0);
            }
        }

        return values;

        void Add(string label, string text, int offset)
        {
            var at = answerText.IndexOf(text, StringComparison.Ordinal);
            if (at >= 0 && text.Length > 2 * offset)
            {
                values.Add((label, at + offset, text.Length - (2 * offset)));
            }
        }
    }

    /// <summary>The answer tokens that cover characters [at, at + length) of the decoded answer.</summary>
    private static Range TokenSpan(DiffusionChat.Tokenization.ITextTokenizer tokenizer, IReadOnlyList<int> answer, int at, int length)
    {
        int start = -1, end = answer.Count;
        for (int k = 1; k <= answer.Count; k++)
        {
            var decoded = tokenizer.Decode(answer.Take(k).ToList()).Length;
            if (start < 0 && decoded > at)
            {
                start = k - 1;
            }

            if (decoded >= at + length)
            {
                end = k;
                break;
            }
        }

        return start < 0 ? throw new InvalidOperationException($"No token covers character {at} of the answer.") : start..end;
    }
}
