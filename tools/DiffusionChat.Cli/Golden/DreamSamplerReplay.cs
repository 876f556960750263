using System.Text.Json;
using DiffusionChat.Models.Dream;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Dream;
using DiffusionChat.Tensors;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Replays Dream <c>diffusion_generate</c> runs (<c>sampler.safetensors</c>) through <see cref="DreamSampler"/> with
/// the recorded token draws, uniforms and position sets, comparing every step.
/// </summary>
internal static class DreamSamplerReplay
{
    private const string File = "sampler.safetensors";

    public static GoldenCaseResult Run(GoldenFolder folder, DreamDenoiser model, string run, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var settings = folder.Json("sampler.json").GetProperty("runs").GetProperty(run);
        var config = settings.GetProperty("effective_generation_config");
        var options = new DreamSamplerOptions
        {
            MaxNewTokens = settings.GetProperty("kwargs").GetProperty("max_new_tokens").GetInt32(),
            Steps = config.GetProperty("steps").GetInt32(),
            Eps = config.GetProperty("eps").GetDouble(),
            Unmasking = config.GetProperty("alg").GetString() switch
            {
                "origin" => DreamUnmasking.Origin,
                "maskgit_plus" => DreamUnmasking.MaskGitPlus,
                "topk_margin" => DreamUnmasking.TopKMargin,
                "entropy" => DreamUnmasking.Entropy,
                var other => throw new NotSupportedException($"alg '{other}'"),
            },
            AlgorithmTemperature = OptionalDouble(config, "alg_temp"),
            Temperature = config.GetProperty("temperature").GetDouble(),
            TopP = OptionalDouble(config, "top_p"),
            TopK = OptionalDouble(config, "top_k") is { } k ? (int)k : null,
        };

        var prompt = folder.Tensor(File, "prompt");
        int rows = (int)prompt.shape[0], start = (int)prompt.shape[1];
        var expected = new Expected(folder, run, options.Steps);
        var draws = Draws(expected, options, start);
        var timesteps = DreamSchedule.Timesteps(options.Steps, options.Eps);
        // The reference's float32 linspace rounds a few points one ulp differently on some CPUs; every decision is checked below.
        double timestepDiff = expected.Timesteps.data<float>().ToArray().Zip(timesteps, (a, b) => Math.Abs((double)a - b)).Max();
        string? mismatch = timestepDiff <= 1e-6 ? null : $"timesteps differ by {timestepDiff:E2}";
        int steps = 0;
        var transfers = new DeviceTransfers();
        var result = new DreamSampler(model, transfers).Generate(new DreamGenerationRequest(GoldenPrompts.Rows(prompt), options), draws, null, Compare, cancellationToken);
        mismatch ??= steps != options.Steps ? $"{steps} steps, reference {options.Steps}" : null;
        mismatch ??= !draws.AllUsed ? "recorded draws left unused" : null;
        mismatch ??= OutputMismatch(prompt, result, folder.Tensor(File, $"{run}.output"));
        return new GoldenCaseResult(run, "sampler", mismatch is null, mismatch ?? $"match ({steps} steps, {result.ForwardPasses} forward passes, {transfers.Reads} host read, timesteps max |d| {timestepDiff:E1})");

        void Compare(DreamStepTrace step)
        {
            steps++;
            if (mismatch is not null)
            {
                return;
            }

            using var stepScope = NewDisposeScope();
            int i = step.Step;
            bool origin = options.Unmasking == DreamUnmasking.Origin;
            var chosen = origin ? step.Masked.logical_and(step.Transfer) : step.Masked;
            var drawn = origin ? Or(step.Transfer, step.Tokens, model.MaskTokenId) : step.Tokens;
            var x0 = Full(Or(step.Masked, drawn, -1), start, -1);
            var x0Prob = Full(Or(chosen, step.TokenProbability, -1), start, -1);
            mismatch =
                !GoldenCompare.IdsEqual(x0, expected.X0[i]) ? $"step {i}: x0" :
                !GoldenCompare.ConfidenceClose(x0Prob, expected.X0Prob[i], 1e-5) ? $"step {i}: x0 probability" :
                step.Confidence is { } c && !GoldenCompare.ConfidenceClose(Full(c, start, double.NegativeInfinity), expected.Confidence![i], 1e-5) ? $"step {i}: confidence" :
                !origin && step.Count != expected.NumTransfer![i].item<long>() ? $"step {i}: {step.Count} positions filled, reference {expected.NumTransfer[i].item<long>()}" :
                !GoldenCompare.IdsEqual(Full(step.Transfer.to(int64), start, 0), expected.Transfer[i]) ? $"step {i}: transfer index" :
                !GoldenCompare.IdsEqual(step.X, expected.X[i]) ? $"step {i}: x" :
                null;
        }
    }

    /// <summary>The recorded draws in the order the sampler asks for them (answer region only).</summary>
    private static RecordedDraws Draws(Expected expected, DreamSamplerOptions options, int start)
    {
        var tokens = new List<Tensor>();
        var uniforms = new List<Tensor>();
        var subsets = new List<Tensor>();
        for (int i = 0; i < options.Steps; i++)
        {
            if (options.Temperature > 0)
            {
                // -1 (no draw) and origin's unfilled mask ids are never used; any valid id stands in for them.
                tokens.Add(expected.X0[i][.., start..].ClampMin(0L));
            }

            if (options.Unmasking == DreamUnmasking.Origin)
            {
                uniforms.Add(expected.Rand![i][.., start..]);
            }
            else if (options.AlgorithmTemperature is > 0 && expected.NumTransfer![i].item<long>() is var k and > 0)
            {
                var filled = expected.Transfer[i][.., start..];
                subsets.Add(filled.nonzero().select(1, 1).view(filled.shape[0], k));
            }
        }

        return new RecordedDraws(tokens, uniforms, subsets);
    }

    /// <summary><paramref name="value"/> where <paramref name="keep"/>, else <paramref name="fill"/>.</summary>
    private static Tensor Or(Tensor keep, Tensor value, double fill) => where(keep, value, HeldScalars.FilledLike(value, fill));

    /// <summary>An answer-region tensor [B, G] widened to the whole sequence [B, P + G], the prompt filled with <paramref name="fill"/>.</summary>
    private static Tensor Full(Tensor answer, int start, double fill)
    {
        var prompt = HeldScalars.Filled([answer.shape[0], start], fill, answer.dtype, answer.device);
        return cat([prompt, answer], 1);
    }

    private static string? OutputMismatch(Tensor prompt, DreamGenerationResult result, Tensor output)
    {
        for (int r = 0; r < output.shape[0]; r++)
        {
            var actual = prompt[r].data<long>().ToArray().Concat(result.Answers[r].Select(v => (long)v)).ToArray();
            if (!output[r].data<long>().ToArray().SequenceEqual(actual))
            {
                return $"output row {r}: [{string.Join(", ", actual)}] vs reference [{string.Join(", ", output[r].data<long>().ToArray())}]";
            }
        }

        return null;
    }

    private static double? OptionalDouble(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>The recorded per-step tensors of a run.</summary>
    private sealed class Expected(GoldenFolder folder, string run, int steps)
    {
        public Tensor Timesteps { get; } = folder.Tensor(File, $"{run}.timesteps");

        public Tensor X { get; } = folder.Tensor(File, $"{run}.step_x");

        public Tensor X0 { get; } = folder.Tensor(File, $"{run}.step_x0");

        public Tensor X0Prob { get; } = folder.Tensor(File, $"{run}.step_x0_prob");

        public Tensor Transfer { get; } = folder.Tensor(File, $"{run}.step_transfer_index");

        public Tensor? Confidence { get; } = folder.HasTensor(File, $"{run}.step_confidence") ? folder.Tensor(File, $"{run}.step_confidence") : null;

        public Tensor? NumTransfer { get; } = folder.HasTensor(File, $"{run}.step_num_transfer") ? folder.Tensor(File, $"{run}.step_num_transfer") : null;

        public Tensor? Rand { get; } = folder.HasTensor(File, $"{run}.step_rand") ? folder.Tensor(File, $"{run}.step_rand") : null;

        public int Steps { get; } = steps;
    }
}
