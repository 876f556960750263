using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>One post-LN encoder block: attention sub-layer, then feed-forward sub-layer (<c>encoder.layer.N.*</c>).</summary>
internal sealed class RobertaLayer : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly RobertaAttention attention;
    private readonly RobertaIntermediate intermediate;
    private readonly RobertaOutput output;
#pragma warning restore IDE1006

    public RobertaLayer(SsdLmConfig config) : base(nameof(RobertaLayer))
    {
        attention = new RobertaAttention(config);
        intermediate = new RobertaIntermediate(config);
        output = new RobertaOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, additiveMask);
        return output.call(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}
