using System.Text.Json;
using DiffusionChat.Models.Sdar;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Sdar;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Replays SDAR <c>block_diffusion_generate</c> runs (<c>sampler.safetensors</c>) through
/// <see cref="BlockDiffusionSampler"/> with the recorded token draws, comparing every model call's bookkeeping
/// (kind, block, step, window, cached length) and every denoising step.
/// </summary>
internal static class SdarSamplerReplay
{
    private const string File = "sampler.safetensors";

    public static GoldenCaseResult Run(GoldenFolder folder, SdarDenoiser model, string run, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var kwargs = folder.Json("sampler.json").GetProperty("runs").GetProperty(run).GetProperty("kwargs");
        var options = new BlockDiffusionOptions
        {
            GenLength = kwargs.GetProperty("gen_length").GetInt32(),
            BlockLength = kwargs.GetProperty("block_length").GetInt32(),
            DenoisingSteps = kwargs.GetProperty("denoising_steps").GetInt32(),
            Temperature = kwargs.GetProperty("temperature").GetDouble(),
            TopK = kwargs.GetProperty("top_k").GetInt32(),
            TopP = kwargs.GetProperty("top_p").GetDouble(),
            Remasking = kwargs.GetProperty("remasking_strategy").GetString() switch
            {
                "low_confidence_static" => SdarRemasking.LowConfidenceStatic,
                "low_confidence_dynamic" => SdarRemasking.LowConfidenceDynamic,
                "sequential" => SdarRemasking.Sequential,
                var other => throw new NotSupportedException($"remasking_strategy '{other}'"),
            },
            ConfidenceThreshold = kwargs.TryGetProperty("confidence_threshold", out var threshold) ? threshold.GetDouble() : 0.85,
            StopTokenIds = kwargs.GetProperty("stopping_criteria_idx") is { ValueKind: JsonValueKind.Array } stops ? stops.EnumerateArray().Select(e => e.GetInt32()).ToList() : [],
        };

        Tensor T(string name) => folder.Tensor(File, $"{run}.{name}");
        var prompt = T("prompt");
        var kinds = T("call_kind").data<long>().ToArray();
        var stepX0 = T("step_x0");
        var draws = new RecordedDraws(Enumerable.Range(0, (int)stepX0.shape[0]).Select(d => stepX0[d]).ToList(), [], []);
        string? mismatch = null;
        int call = 0, step = 0;
        var transfers = new DeviceTransfers();
        var result = new BlockDiffusionSampler(model, transfers).Generate(
            new BlockDiffusionRequest(GoldenPrompts.Rows(prompt), options), _ => draws, null, Compare, cancellationToken);
        mismatch ??= call != kinds.Length ? $"{call} model calls, reference {kinds.Length}" : null;
        mismatch ??= !draws.AllUsed ? "recorded draws left unused" : null;
        mismatch ??= GoldenCompare.IdsEqual(T("num_transfer_tokens"), tensor(DiffusionChat.Sampling.TransferSchedule.Linear(options.BlockLength!.Value, options.DenoisingSteps).Select(n => (long)n).ToArray()))
            ? null : "num_transfer_tokens differ";
        mismatch ??= OutputMismatch(prompt, result, T("output"), model.MaskTokenId);
        return new GoldenCaseResult(run, "sampler", mismatch is null,
            mismatch ?? $"match ({call} model calls incl. {step} denoising steps, {transfers.Reads} host reads)");

        void Compare(BlockDiffusionCall c)
        {
            int i = call++;
            if (mismatch is not null)
            {
                return;
            }

            if (i >= kinds.Length)
            {
                mismatch = $"call {i}: the reference made only {kinds.Length} calls";
                return;
            }

            using var callScope = NewDisposeScope();
            var window = T("call_window")[i].data<long>().ToArray();
            mismatch =
                (long)c.Kind != kinds[i] ? $"call {i}: kind {(int)c.Kind}, reference {kinds[i]}" :
                c.Block != T("call_block")[i].item<long>() || c.Inner != T("call_inner")[i].item<long>() ? $"call {i}: block/step" :
                c.WindowStart != window[0] || c.WindowEnd != window[1] ? $"call {i}: window [{c.WindowStart}, {c.WindowEnd}) vs reference [{window[0]}, {window[1]})" :
                c.PastLength != T("call_past_len")[i].item<long>() ? $"call {i}: past length {c.PastLength} vs reference {T("call_past_len")[i].item<long>()}" :
                null;
            if (mismatch is not null || c.Step is not { } s)
            {
                return;
            }

            int d = step++;
            mismatch =
                T("step_call")[d].item<long>() != i ? $"step {d}: at call {i}, reference call {T("step_call")[d].item<long>()}" :
                !GoldenCompare.IdsEqual(s.Input, T("step_x_in")[d]) ? $"step {d}: x_in" :
                GoldenCompare.MaxAbsDiff(s.Logits, T("step_logits")[d]) is var diff && diff > 1e-4 ? $"step {d}: logits max |d| {diff:E2}" :
                !GoldenCompare.IdsEqual(s.Tokens, T("step_x0")[d]) ? $"step {d}: x0" :
                !GoldenCompare.ConfidenceClose(s.TokenProbability, T("step_x0_prob")[d], 1e-5) ? $"step {d}: x0 probability" :
                !GoldenCompare.ConfidenceClose(s.Confidence, T("step_confidence")[d], 1e-5) ? $"step {d}: confidence" :
                s.Count != T("step_k")[d].item<long>() ? $"step {d}: k {s.Count}, reference {T("step_k")[d].item<long>()}" :
                !GoldenCompare.IdsEqual(s.Transfer.to(int64), T("step_transfer_index")[d]) ? $"step {d}: transfer index" :
                !GoldenCompare.IdsEqual(s.Output, T("step_x")[d]) ? $"step {d}: x" :
                null;
        }
    }

    /// <summary>Null when prompt + answer, padded with the mask id to the reference's length, equal its output [1, T].</summary>
    private static string? OutputMismatch(Tensor prompt, BlockDiffusionResult result, Tensor output, long mask)
    {
        var expected = output[0].data<long>().ToArray();
        var actual = prompt[0].data<long>().ToArray().Concat(result.Answers[0].Select(v => (long)v)).ToList();
        actual.AddRange(Enumerable.Repeat(mask, Math.Max(0, expected.Length - actual.Count)));
        return expected.SequenceEqual(actual) ? null : $"output [{string.Join(", ", actual)}] vs reference [{string.Join(", ", expected)}]";
    }
}
