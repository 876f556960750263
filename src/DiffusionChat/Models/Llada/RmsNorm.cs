using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Llada;

/// <summary>OLMo/LLaDA RMSNorm: <c>weight * x * rsqrt(mean(x^2) + eps)</c>, computed in at least float32.</summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Parameter weight;
#pragma warning restore IDE1006, SA1300

    public RmsNorm(long width, double eps, Device device, ScalarType dtype) : base(nameof(RmsNorm))
    {
        this.eps = eps;
        weight = new Parameter(ones(width, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(RotaryPositions.AtLeastFloat32(input.dtype));
        var normed = x * (x.pow(2).mean([-1], keepdim: true) + eps).rsqrt();
        return (weight * normed.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
