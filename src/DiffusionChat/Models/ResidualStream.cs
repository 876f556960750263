using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models;

/// <summary>Adding a block's branch back into the residual stream.</summary>
internal static class ResidualStream
{
    /// <summary>
    /// <c>residual + branch</c>; without autograd (inference) added in place into <paramref name="residual"/>, which
    /// must be a tensor the calling block created itself, never its input: the same sum without a new [B, W, D] tensor.
    /// </summary>
    public static Tensor Add(Tensor residual, Tensor branch) =>
        is_grad_enabled() ? residual.Plus(branch) : residual.PlusScaledInPlace(branch, 1.0);
}
