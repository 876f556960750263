using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Dream;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// <c>dream</c> fixtures: the decoder's logits and the shifted logits Dream's sampler scores with (forward cases), and
/// <c>diffusion_generate</c> runs replayed through our DreamSampler.
/// </summary>
internal sealed class DreamSuite : IGoldenSuite
{
    private const double Atol = 1e-4;

    public string Architecture => "dream";

    public IEnumerable<GoldenCaseResult> Run(GoldenFolder folder, CancellationToken cancellationToken)
    {
        using var checkpoint = CheckpointFolder.Open(folder.Directory);
        using var model = DreamDenoiser.Load(checkpoint, CPU);
        foreach (var name in folder.Cases("forward_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Forward(folder, model, name);
        }

        foreach (var name in folder.Cases("sampler_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return DreamSamplerReplay.Run(folder, model, name, cancellationToken);
        }
    }

    private static GoldenCaseResult Forward(GoldenFolder folder, DreamDenoiser model, string name)
    {
        using var scope = NewDisposeScope();
        const string file = "forward.safetensors";
        var ids = folder.Tensor(file, $"{name}.input_ids");
        var raw = GoldenCompare.MaxAbsDiff(model.DecoderLogits(ids), folder.Tensor(file, $"{name}.logits"));
        var shifted = GoldenCompare.MaxAbsDiff(model.Forward(ids), folder.Tensor(file, $"{name}.logits_shifted"));
        return new GoldenCaseResult(name, "forward", raw <= Atol && shifted <= Atol, $"logits {raw:E2}  logits_shifted {shifted:E2}");
    }
}
