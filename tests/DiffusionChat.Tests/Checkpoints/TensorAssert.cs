using TorchSharp;

namespace DiffusionChat.Tests;

/// <summary>Assertions on whole tensors (TorchSharp's <c>equal</c> is element-wise, so it cannot be asserted directly).</summary>
internal static class TensorAssert
{
    public static void Equal(torch.Tensor expected, torch.Tensor actual, string? what = null)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        using var same = expected.eq(actual).all();
        Assert.True(same.item<bool>(), $"{what ?? "tensor"} values differ");
    }
}
