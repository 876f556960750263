using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>SwiGLU feed-forward (Shazeer 2020): down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>Gate projection.</summary>
    public readonly Linear gate_proj;

    /// <summary>Up projection.</summary>
    public readonly Linear up_proj;

    /// <summary>Down projection.</summary>
    public readonly Linear down_proj;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates the layer from the model config.</summary>
    public LlamaMlp(string name, LlamaConfig config)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        gate_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        up_proj = nn.Linear(config.HiddenSize, config.IntermediateSize, hasBias: false);
        down_proj = nn.Linear(config.IntermediateSize, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(nn.functional.silu(gate_proj.forward(input)) * up_proj.forward(input)).MoveToOuterDisposeScope();
    }
}
