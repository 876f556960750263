using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>The stack of encoder blocks (<c>encoder.layer</c>).</summary>
internal sealed class RobertaEncoder : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly ModuleList<RobertaLayer> layer;
#pragma warning restore IDE1006

    public RobertaEncoder(SsdLmConfig config) : base(nameof(RobertaEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.LayerCount).Select(_ => new RobertaLayer(config)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var block in layer)
        {
            x = block.call(x, additiveMask);
        }

        return x.MoveToOuterDisposeScope();
    }
}
