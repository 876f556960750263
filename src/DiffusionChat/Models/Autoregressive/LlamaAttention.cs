using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>Multi-head causal self-attention with RoPE and optional grouped-query attention (fewer key/value heads).</summary>
public sealed class LlamaAttention : nn.Module
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>Query projection.</summary>
    public readonly Linear q_proj;

    /// <summary>Key projection.</summary>
    public readonly Linear k_proj;

    /// <summary>Value projection.</summary>
    public readonly Linear v_proj;

    /// <summary>Output projection.</summary>
    public readonly Linear o_proj;
#pragma warning restore IDE1006, SA1307, CA1051

    private readonly int heads;
    private readonly int keyValueHeads;
    private readonly int headDim;

    /// <summary>Creates the layer from the model config.</summary>
    public LlamaAttention(string name, LlamaConfig config)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        heads = config.NumAttentionHeads;
        keyValueHeads = config.NumKeyValueHeads;
        headDim = config.HeadDim;
        q_proj = nn.Linear(config.HiddenSize, heads * headDim, hasBias: false);
        k_proj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: false);
        v_proj = nn.Linear(config.HiddenSize, keyValueHeads * headDim, hasBias: false);
        o_proj = nn.Linear(heads * headDim, config.HiddenSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Attends from the new tokens to the cached and new tokens.</summary>
    /// <param name="hidden">[batch, tokens, hidden].</param>
    /// <param name="cos">RoPE cos table of the new tokens [batch, 1, tokens, headDim].</param>
    /// <param name="sin">RoPE sin table.</param>
    /// <param name="allowed">Which keys each query may see, bool [batch, 1, tokens, cached + tokens].</param>
    /// <param name="cache">The cache (appended to), or null to attend only among the given tokens.</param>
    /// <param name="layer">This layer's index in the cache.</param>
    /// <returns>[batch, tokens, hidden].</returns>
    public Tensor Forward(Tensor hidden, Tensor cos, Tensor sin, Tensor allowed, KeyValueCache? cache, int layer)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var (batch, tokens) = (hidden.shape[0], hidden.shape[1]);
        var q = q_proj.forward(hidden).view(batch, tokens, heads, headDim).transpose(1, 2); // [B, H, T, D]
        var k = k_proj.forward(hidden).view(batch, tokens, keyValueHeads, headDim).transpose(1, 2); // [B, Hkv, T, D]
        var v = v_proj.forward(hidden).view(batch, tokens, keyValueHeads, headDim).transpose(1, 2);
        q = RotaryPositions.ApplyInOwnDType(q, cos, sin);
        k = RotaryPositions.ApplyInOwnDType(k, cos, sin);
        if (cache is not null)
        {
            (k, v) = cache.Append(layer, k, v); // [B, Hkv, S, D], S = cached + T; owned by the cache
        }

        var attended = Attention.ScaledDotProduct(q, k, v, allowed); // [B, H, T, D]; k, v keep their Hkv heads
        var merged = attended.transpose(1, 2).reshape(batch, tokens, heads * headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
