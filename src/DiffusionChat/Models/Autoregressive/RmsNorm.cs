using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>Root-mean-square layer norm (Zhang and Sennrich 2019): x / rms(x) * weight, computed in float32.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

    /// <summary>The learned scale, named like the checkpoint key.</summary>
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    public readonly TorchSharp.Modules.Parameter weight;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates the norm with unit scale.</summary>
    public RmsNorm(string name, int size, double eps)
        : base(name)
    {
        this.eps = eps;
        weight = nn.Parameter(ones(size));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var normed = x * rsqrt(x.pow(2).mean([-1], keepdim: true) + eps);
        return (normed.to(input.dtype) * weight).MoveToOuterDisposeScope();
    }
}
