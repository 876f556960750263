using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>Attention sub-layer: self-attention then the residual output step (<c>attention.{self,output}</c>).</summary>
internal sealed class RobertaAttention : nn.Module<Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly RobertaSelfAttention self;
    private readonly RobertaOutput output;
#pragma warning restore IDE1006

    public RobertaAttention(SsdLmConfig config) : base(nameof(RobertaAttention))
    {
        self = new RobertaSelfAttention(config);
        output = new RobertaOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor? additiveMask)
    {
        using var context = self.call(hidden, additiveMask);
        return output.call(context, hidden);
    }
}
