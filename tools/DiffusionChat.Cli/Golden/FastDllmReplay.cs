using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Replays the Fast-dLLM v1 runs (<c>fastdllm.safetensors</c>) with our sampler: threshold decoding, prefix and dual
/// caches; compares ids, NFE and every per-call record, and checks the run's cached-forward probe in isolation.
/// </summary>
internal static class FastDllmReplay
{
    public static GoldenCaseResult Run(GoldenFolder folder, LladaDenoiser model, string run, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        const string file = "fastdllm.safetensors";
        var settings = folder.Json("fastdllm.json").GetProperty("runs").GetProperty(run);
        int steps = settings.GetProperty("steps").GetInt32();
        int answer = settings.GetProperty("gen_length").GetInt32();
        int blockLength = settings.GetProperty("block_length").GetInt32();
        var threshold = settings.GetProperty("threshold");
        var function = settings.GetProperty("function").GetString();
        var options = new MaskedSamplerOptions
        {
            AnswerLength = answer,
            BlockLength = blockLength,
            StepsPerBlock = steps / (answer / blockLength),
            ConfidenceThreshold = threshold.ValueKind == System.Text.Json.JsonValueKind.Number ? threshold.GetDouble() : null,
            Cache = function switch
            {
                "generate_with_prefix_cache" => KeyValueCacheMode.Prefix,
                "generate_with_dual_cache" => KeyValueCacheMode.Dual,
                _ => KeyValueCacheMode.None,
            },
            StopAtEndOfSequence = false,
        };

        var prompt = folder.Tensor(file, $"{run}.prompt");
        var initial = cat([prompt, HeldScalars.Filled([prompt.shape[0], answer], model.MaskTokenId, int64, null)], 1);
        using var recorder = new SamplerTraceRecorder(initial, model.MaskTokenId, options.ConfidenceThreshold is not null, fastDllmLoop: true);
        var result = new MaskedDiffusionSampler(model).Generate(
            new MaskedGenerationRequest(GoldenPrompts.Rows(prompt), options), null, null, recorder, cancellationToken);

        string? mismatch = FirstDifferingCall(folder, file, run, recorder.Calls);
        var nfe = folder.Tensor(file, $"{run}.nfe")[0].item<long>();
        mismatch ??= result.ForwardPasses != nfe ? $"NFE {result.ForwardPasses}, reference {nfe}" : null;
        mismatch ??= GoldenPrompts.OutputMismatch(prompt, result, folder.Tensor(file, $"{run}.output"));
        mismatch ??= GoldenPrompts.ScheduleMismatch(folder.Tensor(file, $"{run}.num_transfer_tokens"), blockLength, options.StepsPerBlock);
        var probe = folder.HasTensor(file, $"{run}.probe_logits") ? Probe(folder, file, run, model) : (double?)null;
        if (mismatch is null && probe > 1e-4)
        {
            mismatch = $"probe logits max |d| {probe:E2}";
        }

        var detail = $"NFE {result.ForwardPasses}{(probe is { } p ? $", probe {p:E2}" : "")}";
        return new GoldenCaseResult(run, "fastdllm", mismatch is null, mismatch ?? $"match ({detail})");
    }

    private static string? FirstDifferingCall(GoldenFolder folder, string file, string run, IReadOnlyList<RecordedCall> calls)
    {
        Tensor T(string name) => folder.Tensor(file, $"{run}.{name}");
        var kinds = T("step_kind");
        if (kinds.shape[0] != calls.Count)
        {
            // Still locate the first differing call below, over the common length.
        }

        long common = Math.Min(kinds.shape[0], calls.Count);
        for (int i = 0; i < common; i++)
        {
            var c = calls[i];
            var window = T("step_window")[i].data<long>().ToArray();
            string? m =
                c.Kind != kinds[i].item<long>() ? $"kind {c.Kind} vs {kinds[i].item<long>()}" :
                c.Block != T("step_block")[i].item<long>() || c.Inner != T("step_inner")[i].item<long>() ? "block/inner" :
                c.WindowStart != window[0] || c.WindowEnd != window[1] ? $"window [{c.WindowStart}, {c.WindowEnd}) vs [{window[0]}, {window[1]})" :
                c.PastLength != T("step_past_len")[i].item<long>() ? "past length" :
                c.K != T("step_k")[i].item<long>() ? $"k {c.K} vs {T("step_k")[i].item<long>()}" :
                !GoldenCompare.IdsEqual(c.Candidates, T("step_candidates")[i].unsqueeze(0)) ? "candidates" :
                !GoldenCompare.IdsEqual(c.X0InWindow, T("step_x0")[i].unsqueeze(0)) ? "x0" :
                !GoldenCompare.ConfidenceClose(c.Confidence, T("step_confidence")[i].unsqueeze(0), 1e-5) ? "confidence" :
                !GoldenCompare.IdsEqual(c.Transfer, T("step_transfer_index")[i].unsqueeze(0)) ? "transfer index" :
                !GoldenCompare.IdsEqual(c.X, T("step_x")[i].unsqueeze(0)) ? "x" :
                null;
            if (m is not null)
            {
                return $"call {i}: {m}";
            }
        }

        return kinds.shape[0] != calls.Count ? $"{calls.Count} calls, reference {kinds.shape[0]} (first {common} agree)" : null;
    }

    /// <summary>The cached forward in isolation: build the cache from probe_x_cache, call on probe_x_in's window.</summary>
    private static double Probe(GoldenFolder folder, string file, string run, LladaDenoiser model)
    {
        using var scope = NewDisposeScope();
        int step = (int)folder.Tensor(file, $"{run}.probe_step")[0].item<long>();
        var window = folder.Tensor(file, $"{run}.step_window")[step].data<long>().ToArray();
        using var full = model.ForwardWithCache(folder.Tensor(file, $"{run}.probe_x_cache"), null, null, out var cache);
        using (cache)
        {
            var xIn = folder.Tensor(file, $"{run}.probe_x_in");
            var logits = model.ForwardWindow(xIn[.., (int)window[0]..(int)window[1]], window[0], cache);
            return GoldenCompare.MaxAbsDiff(logits, folder.Tensor(file, $"{run}.probe_logits"));
        }
    }
}
