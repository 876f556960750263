using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>
/// Rotary position embedding (Su et al. 2021, RoFormer) in the Hugging Face LLaMA layout: the head is split into two
/// halves that rotate together (<c>rotate_half</c>), frequencies <c>theta^(-2i/d)</c>.
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>cos and sin tables for the given positions, each [batch, 1, tokens, headDim].</summary>
    /// <param name="positions">Position ids [batch, tokens] (int64).</param>
    /// <param name="headDim">Head width (even).</param>
    /// <param name="theta">The frequency base.</param>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, int headDim, double theta)
    {
        using var scope = NewDisposeScope();
        var inverseFrequency = HeldScalars.PowerOf(theta, HeldScalars.Range(0, headDim, ScalarType.Float32, positions.device, step: 2).neg().DividedBy(headDim)); // [headDim/2]
        var angles = positions.to(ScalarType.Float32).unsqueeze(-1) * inverseFrequency; // [batch, tokens, headDim/2]
        var both = cat([angles, angles], -1).unsqueeze(1); // [batch, 1, tokens, headDim]
        return (both.cos().MoveToOuterDisposeScope(), both.sin().MoveToOuterDisposeScope());
    }

    /// <summary>Rotates queries or keys [batch, heads, tokens, headDim] by their positions.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var halves = x.chunk(2, -1);
        var rotated = cat([-halves[1], halves[0]], -1);
        return (x * cos.to(x.dtype)).Plus(rotated * sin.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
