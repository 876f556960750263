using DiffusionChat.Models.Llada;
using DiffusionChat.Sampling;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Cli.Golden;

/// <summary>Replays LLaDA <c>generate()</c> runs (<c>sampler.safetensors</c>) with our sampler, step by step.</summary>
internal static class LladaSamplerReplay
{
    public static GoldenCaseResult Run(GoldenFolder folder, LladaDenoiser model, string run, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        const string file = "sampler.safetensors";
        var settings = folder.Json("sampler.json").GetProperty("runs").GetProperty(run);
        int steps = settings.GetProperty("steps").GetInt32();
        int answer = settings.GetProperty("gen_length").GetInt32();
        int blockLength = settings.GetProperty("block_length").GetInt32();
        var options = new MaskedSamplerOptions
        {
            AnswerLength = answer,
            BlockLength = blockLength,
            StepsPerBlock = steps / (answer / blockLength),
            StopAtEndOfSequence = false,
        };

        var prompt = folder.Tensor(file, "prompt");
        var prompts = GoldenPrompts.Rows(prompt);
        var initial = cat([prompt, HeldScalars.Filled([prompt.shape[0], answer], model.MaskTokenId, int64, null)], 1);
        using var recorder = new SamplerTraceRecorder(initial, model.MaskTokenId, thresholdMode: false);
        var result = new MaskedDiffusionSampler(model).Generate(new MaskedGenerationRequest(prompts, options), null, null, recorder, cancellationToken);

        var calls = recorder.Calls;
        var expectedSteps = folder.Tensor(file, $"{run}.step_x").shape[0];
        string? mismatch = calls.Count != expectedSteps ? $"{calls.Count} steps, reference {expectedSteps}" : null;
        for (int i = 0; mismatch is null && i < calls.Count; i++)
        {
            var c = calls[i];
            mismatch =
                c.Block != folder.Tensor(file, $"{run}.step_block")[i].item<long>() || c.Inner != folder.Tensor(file, $"{run}.step_inner")[i].item<long>() ? $"step {i}: block/inner" :
                !GoldenCompare.IdsEqual(c.X0AllMasks, folder.Tensor(file, $"{run}.step_x0")[i]) ? $"step {i}: x0" :
                !GoldenCompare.ConfidenceClose(c.Confidence, folder.Tensor(file, $"{run}.step_confidence")[i], 1e-5) ? $"step {i}: confidence" :
                !GoldenCompare.IdsEqual(c.Transfer, folder.Tensor(file, $"{run}.step_transfer_index")[i]) ? $"step {i}: transfer index" :
                !GoldenCompare.IdsEqual(c.X, folder.Tensor(file, $"{run}.step_x")[i]) ? $"step {i}: x" :
                null;
        }

        mismatch ??= GoldenPrompts.OutputMismatch(prompt, result, folder.Tensor(file, $"{run}.output"));
        mismatch ??= GoldenPrompts.ScheduleMismatch(folder.Tensor(file, $"{run}.num_transfer_tokens"), blockLength, options.StepsPerBlock);
        return new GoldenCaseResult(run, "sampler", mismatch is null, mismatch ?? $"match ({calls.Count} steps, {result.ForwardPasses} forward passes)");
    }
}
