using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>GELU with the tanh approximation (<c>nn.GELU(approximate="tanh")</c> in DiT's MLP).</summary>
internal sealed class GeluTanh() : nn.Module<Tensor, Tensor>(nameof(GeluTanh))
{
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var inner = input.Plus(input.Power(3).Times(0.044715)).Times(Math.Sqrt(2.0 / Math.PI));
        return (input.Times(0.5) * inner.tanh().Plus(1.0)).MoveToOuterDisposeScope();
    }
}
