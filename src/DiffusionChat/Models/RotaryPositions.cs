using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>
/// Rotary position embedding in the "rotate-half" layout (the two halves of a head, not interleaved pairs), as in
/// MDLM's DiT, LLaDA, Qwen and Hugging Face's LLaMA: <c>x * cos + rotate_half(x) * sin</c> with angles
/// <c>position * inv_freq</c> repeated for both halves.
/// </summary>
internal static class RotaryPositions
{
    /// <summary>
    /// <c>1 / theta^(2i / headDim)</c> for i in [0, headDim / 2), float32 [headDim / 2], computed in float32 as LLaDA,
    /// Dream, SDAR and LLaMA compute it (<c>theta ** (arange(0, dim, 2) / dim)</c>, then the reciprocal), not in float64 and
    /// rounded afterwards.
    /// </summary>
    /// <param name="theta">The rotary base (<c>rope_theta</c>).</param>
    /// <param name="headDim">Head width (even).</param>
    /// <param name="device">Where the table lives.</param>
    public static Tensor InverseFrequencies(double theta, int headDim, Device device)
    {
        using var scope = NewDisposeScope();
        var exponent = HeldScalars.Range(0, headDim, ScalarType.Int64, device, step: 2).to(ScalarType.Float32).DividedBy(headDim);
        using var basis = tensor((float)theta, dtype: ScalarType.Float32, device: device);
        return basis.pow(exponent).reciprocal().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cos and signed sin tables [B, 1, L, headDim] for the given positions: <c>[cos, cos]</c> and
    /// <c>[-sin, sin]</c> over the two halves. Folding rotate_half's negation into the table is exact (a sign flip
    /// commutes with rounding), so <see cref="Apply"/> needs no negation per call.
    /// </summary>
    /// <param name="inverseFrequencies">float32 [headDim / 2].</param>
    /// <param name="positions">int64 [B, L] or [L].</param>
    public static (Tensor Cos, Tensor SignedSin) Tables(Tensor inverseFrequencies, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var pos = positions.dim() == 1 ? positions.unsqueeze(0) : positions;
        // float32 like both references, even for a lower-precision model: angles at large positions need it.
        var angles = pos.to(float32).unsqueeze(-1) * inverseFrequencies.to(float32).unsqueeze(0).unsqueeze(0);
        var (cos, sin) = (angles.cos(), angles.sin());
        return (cat([cos, cos], -1).unsqueeze(1).MoveToOuterDisposeScope(), cat([sin.neg(), sin], -1).unsqueeze(1).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [B, H, L, D] in at least float32 and returns it in its own dtype (LLaDA, DiT, Qwen).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin) => Rotate(x, cos, signedSin, AtLeastFloat32(x.dtype));

    /// <summary>
    /// Rotates <paramref name="x"/> [B, H, L, D] in its own dtype, the tables cast down to it, as Hugging Face's LLaMA
    /// does (a bfloat16 model rotates in bfloat16); the same as <see cref="Apply"/> for a float32 model.
    /// </summary>
    public static Tensor ApplyInOwnDType(Tensor x, Tensor cos, Tensor signedSin) => Rotate(x, cos, signedSin, x.dtype);

    /// <summary>float64 stays float64; everything else is computed in float32 (bfloat16/float16 models).</summary>
    public static ScalarType AtLeastFloat32(ScalarType dtype) => dtype == float64 ? float64 : float32;

    // x * cos + rotate_half(x) * sin = x * cos + [x2, x1] * [-sin, sin], computed in the given dtype and returned in
    // x's. The swapped halves and the cos product are this call's own tensors, so finishing in place saves two
    // full-size tensors per call; neither in-place step needs its old value for autograd. Casts only when needed.
    private static Tensor Rotate(Tensor x, Tensor cos, Tensor signedSin, ScalarType computeIn)
    {
        using var scope = NewDisposeScope();
        var xf = x.dtype == computeIn ? x : x.to(computeIn);
        var swapped = xf.roll(xf.shape[^1] / 2, -1);
        var c = cos.dtype == computeIn ? cos : cos.to(computeIn);
        var s = signedSin.dtype == computeIn ? signedSin : signedSin.to(computeIn);
        var result = (xf * c).PlusScaledInPlace(swapped.mul_(s), 1.0);
        return (result.dtype == x.dtype ? result : result.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
