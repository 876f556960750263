using DiffusionChat.Models.Dit;
using DiffusionChat.Sampling.Mdlm;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>Replays MDLM's recorded <c>ddpm_cache</c> run (<c>sampler.safetensors</c>) and compares every step.</summary>
internal static class MdlmSamplerReplay
{
    public static GoldenCaseResult Run(GoldenFolder folder, MdlmDenoiser model, string name, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        const string file = "sampler.safetensors";
        // sampler.json holds a bare `Infinity` in its diagnostics, which System.Text.Json rejects; settings only.
        var text = File.ReadAllText(Path.Combine(folder.Directory, "sampler.json")).Replace("Infinity", "1e308", StringComparison.Ordinal);
        using var doc = System.Text.Json.JsonDocument.Parse(text);
        var settings = doc.RootElement;
        int batch = settings.GetProperty("batch_size").GetInt32();
        int length = settings.GetProperty("seq_len").GetInt32();
        int steps = settings.GetProperty("num_steps").GetInt32();
        double eps = settings.GetProperty("eps").GetDouble();
        var uniforms = folder.Tensor(file, "uniforms");
        var stepXIn = folder.Tensor(file, "step_x_in");
        var stepXOut = folder.Tensor(file, "step_x_out");
        var recomputed = folder.Tensor(file, "step_p_x0_recomputed");

        string? firstMismatch = null;
        void Observe(MdlmStep s)
        {
            if (firstMismatch is not null)
            {
                return;
            }

            if (!GoldenCompare.IdsEqual(s.Before, stepXIn[s.Step]))
            {
                firstMismatch = $"step {s.Step}: x_in differs";
            }
            else if (!GoldenCompare.IdsEqual(s.After, stepXOut[s.Step]))
            {
                firstMismatch = $"step {s.Step}: x_out differs";
            }
            else if (s.NetworkCalled != (recomputed[s.Step].item<long>() == 1))
            {
                firstMismatch = $"step {s.Step}: p_x0 recomputed={s.NetworkCalled}, reference {recomputed[s.Step].item<long>() == 1}";
            }
        }

        var sample = new MdlmAncestralSampler(model).Sample(batch, length, steps, k => uniforms[k], eps, Observe, cancellationToken);
        if (firstMismatch is null && !GoldenCompare.IdsEqual(sample.Ids, folder.Tensor(file, "final_ids")))
        {
            firstMismatch = "final_ids differ";
        }

        var cached = steps - (int)recomputed.sum().item<long>();
        return new GoldenCaseResult(name, "sampler", firstMismatch is null,
            firstMismatch ?? $"match ({steps} steps, {cached} reused p_x0, {sample.ForwardPasses} forward passes)");
    }
}
