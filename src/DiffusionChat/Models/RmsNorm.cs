using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>
/// Root-mean-square layer norm (Zhang and Sennrich 2019) as LLaMA and OLMo/LLaDA use it:
/// <c>weight * x * rsqrt(mean(x^2) + eps)</c>, computed in at least float32 and returned in the input's dtype.
/// </summary>
/// <remarks>
/// Shared by the LLaDA and LLaMA families; its one tensor is the field <see cref="weight"/>, so the state-dict key is
/// <c>&lt;field name of the norm&gt;.weight</c> in both checkpoint layouts.
/// </remarks>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double eps;

    /// <summary>The learned scale [width], named like the checkpoint key.</summary>
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    public readonly Parameter weight;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates the norm with unit scale.</summary>
    /// <param name="width">Size of the normalised (last) dimension.</param>
    /// <param name="eps">Added to the mean square before the root (the config's <c>rms_norm_eps</c>).</param>
    /// <param name="device">Where the weight lives (the CPU when null).</param>
    /// <param name="dtype">Dtype of the weight.</param>
    public RmsNorm(long width, double eps, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(RmsNorm))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        this.eps = eps;
        weight = new Parameter(ones(width, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        // Half-precision squares lose too much; float64 inputs keep their precision.
        var computeIn = RotaryPositions.AtLeastFloat32(input.dtype);
        var x = input.dtype == computeIn ? input : input.to(computeIn);
        // The [.., 1] statistics are updated in place (no autograd use of their inputs), so a norm costs three
        // full-width tensors (square, normed, scaled), not five; the arithmetic and its order are unchanged.
        var inverseRms = x.Power(2).mean([-1], keepdim: true).PlusInPlace(eps).rsqrt_();
        var normed = x * inverseRms;
        return (weight * (normed.dtype == input.dtype ? normed : normed.to(input.dtype))).MoveToOuterDisposeScope();
    }
}
