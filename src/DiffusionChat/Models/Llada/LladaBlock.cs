using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Llada;

/// <summary>
/// One LLaDA (OLMo "llama") block: pre-RMSNorm bidirectional grouped-query attention with RoPE, then a SwiGLU MLP
/// <c>ff_out(silu(ff_proj(h)) * up_proj(h))</c>, each added to the residual stream.
/// </summary>
internal sealed class LladaBlock : nn.Module
{
    private readonly int heads;
    private readonly int kvHeads;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly RmsNorm attn_norm;
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear attn_out;
    private readonly RmsNorm ff_norm;
    private readonly Linear ff_proj;
    private readonly Linear up_proj;
    private readonly Linear ff_out;
#pragma warning restore IDE1006, SA1300

    public LladaBlock(LladaConfig config, Device device, ScalarType dtype) : base(nameof(LladaBlock))
    {
        int d = config.ModelDim, kv = config.KeyValueHeads * config.HeadDim, m = config.MlpHiddenSize;
        heads = config.Heads;
        kvHeads = config.KeyValueHeads;
        attn_norm = new RmsNorm(d, config.RmsNormEps, device, dtype);
        q_proj = nn.Linear(d, d, hasBias: false, device: device, dtype: dtype);
        k_proj = nn.Linear(d, kv, hasBias: false, device: device, dtype: dtype);
        v_proj = nn.Linear(d, kv, hasBias: false, device: device, dtype: dtype);
        attn_out = nn.Linear(d, d, hasBias: false, device: device, dtype: dtype);
        ff_norm = new RmsNorm(d, config.RmsNormEps, device, dtype);
        ff_proj = nn.Linear(d, m, hasBias: false, device: device, dtype: dtype);
        up_proj = nn.Linear(d, m, hasBias: false, device: device, dtype: dtype);
        ff_out = nn.Linear(m, d, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Runs the block on the W tokens of <paramref name="x"/> [B, W, D].</summary>
    /// <param name="x">Hidden states of the window.</param>
    /// <param name="cos">Rotary table of the window's positions.</param>
    /// <param name="sin">Rotary table of the window's positions.</param>
    /// <param name="allowed">Optional key mask [B, 1, 1, Lk].</param>
    /// <param name="cached">Keys/values [B, kvHeads, L, headDim] of the whole sequence, or null.</param>
    /// <param name="start">Absolute position of the window (with <paramref name="cached"/>).</param>
    /// <param name="queryRows">Window rows whose new hidden states are wanted (null: all). Every row still gives its keys
    /// and values; only these rows attend and pass the MLP (rows are independent there, so their states are the same).
    /// </param>
    /// <returns>The new hidden states (of <paramref name="queryRows"/> when given) and the window's fresh rotated keys and
    /// values [B, kvHeads, W, headDim].</returns>
    public (Tensor Hidden, Tensor Keys, Tensor Values) Run(Tensor x, Tensor cos, Tensor sin, Tensor? allowed, (Tensor Keys, Tensor Values)? cached, long start, (int Offset, int Length)? queryRows = null)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], w = x.shape[1];
        var h = attn_norm.forward(x);
        var k = RotaryPositions.Apply(k_proj.forward(h).view(b, w, kvHeads, -1).transpose(1, 2), cos, sin);
        var v = v_proj.forward(h).view(b, w, kvHeads, -1).transpose(1, 2);
        if (queryRows is { } rows)
        {
            var range = rows.Offset..(rows.Offset + rows.Length);
            (x, h, cos, sin, w) = (x[.., range], h[.., range], cos[.., .., range], sin[.., .., range], rows.Length);
            allowed = allowed is not null && allowed.shape[2] > 1 ? allowed[.., .., range] : allowed;
        }

        var q = RotaryPositions.Apply(q_proj.forward(h).view(b, w, heads, -1).transpose(1, 2), cos, sin);

        var (keys, values) = cached is { } kv ? Attention.SpliceWindow(kv, k, v, start) : (k, v); // [B, kvHeads, Lk, headDim]
        var att = Attention.ScaledDotProduct(q, keys, values, allowed).transpose(1, 2).reshape(b, w, -1);
        x = x.Plus(attn_out.forward(att));
        h = ff_norm.forward(x);
        x = ResidualStream.Add(x, ff_out.forward(SwiGluMlp.Gate(ff_proj.forward(h), up_proj.forward(h))));
        return (x.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}
