using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Qwen;

/// <summary>One pre-norm Qwen decoder layer: <c>x + attn(norm(x))</c>, then <c>+ mlp(norm(x))</c>.</summary>
internal sealed class QwenDecoderLayer : nn.Module
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly QwenAttention self_attn;
    private readonly SwiGluMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006, SA1300

    public QwenDecoderLayer(QwenConfig config, Device device, ScalarType dtype) : base(nameof(QwenDecoderLayer))
    {
        self_attn = new QwenAttention(config, device, dtype);
        mlp = new SwiGluMlp(nameof(mlp), config.HiddenSize, config.IntermediateSize, device, dtype);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    /// <summary>Runs the layer; see <see cref="QwenAttention.Forward"/> for the arguments.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? allowed, KeyValueCache? cache, int layer, bool store, long? windowStart, List<(Tensor Keys, Tensor Values)>? fresh)
    {
        using var scope = NewDisposeScope();
        x = x.Plus(self_attn.Forward(input_layernorm.forward(x), cos, sin, allowed, cache, layer, store, windowStart, fresh));
        return ResidualStream.Add(x, mlp.forward(post_attention_layernorm.forward(x))).MoveToOuterDisposeScope();
    }
}
