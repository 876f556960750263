using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>Feed-forward expansion <c>gelu(dense(x))</c> with the exact (erf) GELU RoBERTa uses.</summary>
internal sealed class RobertaIntermediate : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear dense;
#pragma warning restore IDE1006

    public RobertaIntermediate(SsdLmConfig config) : base(nameof(RobertaIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var projected = dense.call(hidden);
        return nn.functional.gelu(projected);
    }
}
