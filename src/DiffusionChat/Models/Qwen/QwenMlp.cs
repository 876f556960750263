using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Qwen;

/// <summary>SwiGLU feed-forward of the Qwen decoders: <c>down_proj(silu(gate_proj(h)) * up_proj(h))</c>, no biases.</summary>
internal sealed class QwenMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Linear gate_proj;
    private readonly Linear up_proj;
    private readonly Linear down_proj;
#pragma warning restore IDE1006, SA1300

    public QwenMlp(QwenConfig config, Device device, ScalarType dtype) : base(nameof(QwenMlp))
    {
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, device: device, dtype: dtype);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false, device: device, dtype: dtype);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input)).MoveToOuterDisposeScope();
    }
}
