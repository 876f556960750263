using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>Self-attention.</summary>
    public readonly LlamaAttention self_attn;

    /// <summary>Feed-forward.</summary>
    public readonly SwiGluMlp mlp;

    /// <summary>Norm before attention.</summary>
    public readonly RmsNorm input_layernorm;

    /// <summary>Norm before the feed-forward.</summary>
    public readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates the block from the model config.</summary>
    public LlamaDecoderLayer(string name, LlamaConfig config)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        self_attn = new LlamaAttention("self_attn", config);
        mlp = new SwiGluMlp("mlp", config.HiddenSize, config.IntermediateSize);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>Runs the block; see <see cref="LlamaAttention.Forward"/> for the arguments.</summary>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor allowed, KeyValueCache? cache, int layer)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var attended = hidden.Plus(self_attn.Forward(input_layernorm.forward(hidden), cos, sin, allowed, cache, layer));
        return ResidualStream.Add(attended, mlp.forward(post_attention_layernorm.forward(attended))).MoveToOuterDisposeScope();
    }
}
