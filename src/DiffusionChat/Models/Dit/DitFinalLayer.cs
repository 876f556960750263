using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dit;

/// <summary>DiT's <c>output_layer</c>: <c>linear(modulate(norm_final(x), shift, scale))</c> with adaLN shift/scale.</summary>
internal sealed class DitFinalLayer : nn.Module
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly DitLayerNorm norm_final;
    private readonly Linear linear;
    private readonly Linear adaLN_modulation;
#pragma warning restore IDE1006, SA1300

    public DitFinalLayer(DitConfig config, Device device, ScalarType dtype) : base(nameof(DitFinalLayer))
    {
        norm_final = new DitLayerNorm(config.HiddenDim, device, dtype);
        linear = nn.Linear(config.HiddenDim, config.VocabSize, hasBias: true, device: device, dtype: dtype);
        adaLN_modulation = nn.Linear(config.CondDim, 2 * config.HiddenDim, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>x [B, W, H], c [B, cond] -> logits [B, W, V].</summary>
    public Tensor Run(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var mod = adaLN_modulation.forward(c).unsqueeze(1).chunk(2, 2);
        return linear.forward(DitBlock.Modulate(norm_final.forward(x), mod[0], mod[1])).MoveToOuterDisposeScope();
    }
}
