using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dit;

/// <summary>GELU with the tanh approximation (<c>nn.GELU(approximate="tanh")</c> in DiT's MLP).</summary>
internal sealed class GeluTanh() : nn.Module<Tensor, Tensor>(nameof(GeluTanh))
{
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var inner = (input + input.pow(3) * 0.044715) * Math.Sqrt(2.0 / Math.PI);
        return (input * 0.5 * (inner.tanh() + 1.0)).MoveToOuterDisposeScope();
    }
}
