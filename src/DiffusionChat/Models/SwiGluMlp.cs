using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// SwiGLU feed-forward (Shazeer 2020), <c>down_proj(silu(gate_proj(h)) * up_proj(h))</c> without biases, as the LLaMA
/// and Qwen decoders name it. (LLaDA's block computes the same with its own key names, <c>ff_proj</c>/<c>ff_out</c>.)
/// </summary>
public sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>Gate projection (the activated half).</summary>
    public readonly Linear gate_proj;

    /// <summary>Up projection.</summary>
    public readonly Linear up_proj;

    /// <summary>Down projection.</summary>
    public readonly Linear down_proj;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates the layer.</summary>
    /// <param name="name">The module name.</param>
    /// <param name="hiddenSize">Model width.</param>
    /// <param name="intermediateSize">Inner width.</param>
    /// <param name="device">Where the weights go (CPU when null).</param>
    /// <param name="dtype">The weights' dtype (float32 when null).</param>
    public SwiGluMlp(string name, int hiddenSize, int intermediateSize, Device? device = null, ScalarType? dtype = null)
        : base(name)
    {
        gate_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: false, device: device, dtype: dtype);
        up_proj = nn.Linear(hiddenSize, intermediateSize, hasBias: false, device: device, dtype: dtype);
        down_proj = nn.Linear(intermediateSize, hiddenSize, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(Gate(gate_proj.forward(input), up_proj.forward(input))).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>silu(gate) * up</c>. Without autograd (inference) both steps run in place on <paramref name="gate"/>, which
    /// must be the caller's own fresh projection: the same arithmetic without two [.., intermediate] tensors per layer.
    /// </summary>
    internal static Tensor Gate(Tensor gate, Tensor up) =>
        is_grad_enabled() ? nn.functional.silu(gate) * up : gate.silu_().mul_(up);
}
