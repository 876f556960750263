using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dit;

/// <summary>DiT's LayerNorm: normalise in (at least) float32 without bias (eps 1e-5), then scale by <c>weight</c>.</summary>
internal sealed class DitLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long width;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Parameter weight;
#pragma warning restore IDE1006, SA1300

    public DitLayerNorm(long width, Device device, ScalarType dtype) : base(nameof(DitLayerNorm))
    {
        this.width = width;
        weight = new Parameter(ones(width, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var normed = nn.functional.layer_norm(input.to(RotaryPositions.AtLeastFloat32(input.dtype)), [width], eps: 1e-5);
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
