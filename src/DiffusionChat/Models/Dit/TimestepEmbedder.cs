using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// DiT's <c>sigma_map</c>: sinusoidal features of the noise level (cos half first, 256 features, max period 10000)
/// through <c>mlp = Linear -> SiLU -> Linear</c>.
/// </summary>
internal sealed class TimestepEmbedder : nn.Module<Tensor, Tensor>
{
    private const int FrequencyFeatures = 256;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Sequential mlp;
#pragma warning restore IDE1006, SA1300

    public TimestepEmbedder(int condDim, Device device, ScalarType dtype) : base(nameof(TimestepEmbedder))
    {
        mlp = nn.Sequential(
            nn.Linear(FrequencyFeatures, condDim, hasBias: true, device: device, dtype: dtype),
            nn.SiLU(),
            nn.Linear(condDim, condDim, hasBias: true, device: device, dtype: dtype));
        RegisterComponents();
    }

    /// <summary>sigma [B] -> conditioning [B, condDim].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        const int half = FrequencyFeatures / 2;
        var freqs = exp(HeldScalars.Range(0, half, float32, input.device).Times(-Math.Log(10000)).DividedBy(half));
        var args = input.to(float32).unsqueeze(-1) * freqs.unsqueeze(0);
        var features = cat([args.cos(), args.sin()], -1).to(mlp.parameters().First().dtype);
        return mlp.forward(features).MoveToOuterDisposeScope();
    }
}
