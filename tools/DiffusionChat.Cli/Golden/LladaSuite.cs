using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Llada;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// <c>llada</c> fixtures: forward logits, LLaDA <c>generate()</c> runs (<c>sampler.*</c>) and Fast-dLLM v1 runs
/// (<c>fastdllm.*</c>), the samplers being our <see cref="DiffusionChat.Sampling.MaskedDiffusionSampler"/>.
/// </summary>
internal sealed class LladaSuite : IGoldenSuite
{
    private const double Atol = 1e-4;

    public string Architecture => "llada";

    public IEnumerable<GoldenCaseResult> Run(GoldenFolder folder, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(folder.Directory);
        using var model = LladaDenoiser.Load(checkpoint, CPU);
        foreach (var name in folder.Cases("forward_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Forward(folder, model, name);
        }

        foreach (var name in folder.Cases("sampler_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return LladaSamplerReplay.Run(folder, model, name, cancellationToken);
        }

        foreach (var name in folder.Cases("fastdllm_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return FastDllmReplay.Run(folder, model, name, cancellationToken);
        }
    }

    private static GoldenCaseResult Forward(GoldenFolder folder, LladaDenoiser model, string name)
    {
        using var scope = NewDisposeScope();
        const string file = "forward.safetensors";
        var ids = folder.Tensor(file, $"{name}.input_ids");
        var d = GoldenCompare.MaxAbsDiff(model.Forward(ids), folder.Tensor(file, $"{name}.logits"));
        return new GoldenCaseResult(name, "forward", d <= Atol, $"logits {d:E2}");
    }
}
