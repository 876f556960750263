using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// One DiT block: adaLN-modulated attention and MLP, each added back through its gate
/// (<c>x + gate * f(modulate(norm(x), shift, scale))</c>).
/// </summary>
internal sealed class DitBlock : nn.Module
{
    private readonly int heads;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly DitLayerNorm norm1;
    private readonly Linear attn_qkv;
    private readonly Linear attn_out;
    private readonly DitLayerNorm norm2;
    private readonly Sequential mlp;
    private readonly Linear adaLN_modulation;
#pragma warning restore IDE1006, SA1300

    public DitBlock(DitConfig config, Device device, ScalarType dtype) : base(nameof(DitBlock))
    {
        var h = config.HiddenDim;
        heads = config.Heads;
        norm1 = new DitLayerNorm(h, device, dtype);
        attn_qkv = nn.Linear(h, 3 * h, hasBias: false, device: device, dtype: dtype);
        attn_out = nn.Linear(h, h, hasBias: false, device: device, dtype: dtype);
        norm2 = new DitLayerNorm(h, device, dtype);
        mlp = nn.Sequential(
            nn.Linear(h, 4 * h, hasBias: true, device: device, dtype: dtype),
            new GeluTanh(),
            nn.Linear(4 * h, h, hasBias: true, device: device, dtype: dtype));
        adaLN_modulation = nn.Linear(config.CondDim, 6 * h, hasBias: true, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Runs the block on the W tokens of <paramref name="x"/> [B, W, H].</summary>
    /// <param name="x">Hidden states of the window.</param>
    /// <param name="c">Conditioning [B, cond].</param>
    /// <param name="cos">Rotary table of the window's positions.</param>
    /// <param name="sin">Rotary table of the window's positions.</param>
    /// <param name="allowed">Optional [B or 1, 1, W, Lk] attention mask.</param>
    /// <param name="cached">Cached (keys, values) [B, H, L, D] of the whole sequence, or null (no cache).</param>
    /// <param name="start">Absolute position of the window (used with <paramref name="cached"/>).</param>
    /// <returns>The new hidden states and the window's fresh rotated keys and values.</returns>
    public (Tensor Hidden, Tensor Keys, Tensor Values) Run(Tensor x, Tensor c, Tensor cos, Tensor sin, Tensor? allowed, (Tensor Keys, Tensor Values)? cached, long start)
    {
        using var scope = NewDisposeScope();
        var mod = adaLN_modulation.forward(c).unsqueeze(1).chunk(6, 2);
        var (shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp) = (mod[0], mod[1], mod[2], mod[3], mod[4], mod[5]);

        long b = x.shape[0], w = x.shape[1];
        var qkv = attn_qkv.forward(Modulate(norm1.forward(x), shiftMsa, scaleMsa)).view(b, w, 3, heads, -1);
        var q = Rotary(qkv.select(2, 0), cos, sin);
        var k = Rotary(qkv.select(2, 1), cos, sin);
        var v = qkv.select(2, 2).transpose(1, 2);

        var (keys, values) = cached is { } kv ? Attention.SpliceWindow(kv, k, v, start) : (k, v);
        var att = Models.Attention.ScaledDotProduct(q, keys, values, allowed).transpose(1, 2).reshape(b, w, -1);
        x = x.Plus(gateMsa * attn_out.forward(att));
        x = x.Plus(gateMlp * mlp.forward(Modulate(norm2.forward(x), shiftMlp, scaleMlp)));
        return (x.MoveToOuterDisposeScope(), k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }

    internal static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => (x * scale.Plus(1.0)).Plus(shift);

    /// <summary>Keys/values of the whole sequence: cached outside the window, fresh inside it.</summary>
    private static Tensor Rotary(Tensor t, Tensor cos, Tensor sin) =>
        RotaryPositions.Apply(t.transpose(1, 2), cos, sin);
}
