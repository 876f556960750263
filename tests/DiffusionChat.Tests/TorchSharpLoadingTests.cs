using TorchSharp;

namespace DiffusionChat.Tests;

public class TorchSharpLoadingTests
{
    [Fact]
    public void Native_backend_loads_and_runs_a_tensor_op()
    {
        // Goes through TorchSharp's normal native loading path (libLibTorchSharp.so from the build output).
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);

        Assert.Equal(new long[] { 2, 2 }, c.shape);
        Assert.Equal(new float[] { 3, 3, 12, 12 }, c.data<float>().ToArray());
    }
}
