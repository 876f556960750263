using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// The post-LN residual step of a RoBERTa sub-layer: <c>LayerNorm(dense(x) + residual)</c>. Used twice per layer
/// (<c>attention.output</c> after attention, <c>output</c> after the feed-forward), hence the shared class.
/// </summary>
internal sealed class RobertaOutput : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
#pragma warning restore IDE1006

    public RobertaOutput(int inFeatures, SsdLmConfig config) : base(nameof(RobertaOutput))
    {
        dense = nn.Linear(inFeatures, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
        RegisterComponents();
    }

    /// <param name="x">The sub-layer result [B, N, inFeatures].</param>
    /// <param name="residual">The sub-layer input [B, N, H].</param>
    public override Tensor forward(Tensor x, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(dense.call(x).Plus(residual)).MoveToOuterDisposeScope();
    }
}
