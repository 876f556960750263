using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// MDLM's diffusion transformer (<c>models/dit.py</c> DIT): token embedding, noise-level conditioning
/// <c>c = silu(sigma_map(sigma))</c>, adaLN blocks with rotary attention, adaLN output layer. State-dict names equal
/// the checkpoint keys after the <c>backbone.</c> prefix.
/// </summary>
internal sealed class DitBackbone : nn.Module
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly DitEmbedding vocab_embed;
    private readonly TimestepEmbedder sigma_map;
    private readonly DitRotary rotary_emb;
    private readonly ModuleList<DitBlock> blocks;
    private readonly DitFinalLayer output_layer;
#pragma warning restore IDE1006, SA1300

    public DitBackbone(DitConfig config, Device device, ScalarType dtype) : base(nameof(DitBackbone))
    {
        vocab_embed = new DitEmbedding(config.VocabSize, config.HiddenDim, device, dtype);
        sigma_map = new TimestepEmbedder(config.CondDim, device, dtype);
        rotary_emb = new DitRotary(config.HeadDim, device);
        blocks = nn.ModuleList(Enumerable.Range(0, config.Blocks).Select(_ => new DitBlock(config, device, dtype)).ToArray());
        output_layer = new DitFinalLayer(config, device, dtype);
        RegisterComponents();
    }

    /// <summary>Logits [B, W, V] for the pass's window.</summary>
    /// <param name="pass">The window, its positions and mask, the cache it reads or fills, and which logits to return.</param>
    /// <param name="sigma">Noise level [B] (already zero when the model is not time-conditioned).</param>
    public Tensor Run(TransformerPass pass, Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var (ids, positions, allowed, output) = pass;
        var (cache, start, fresh) = (pass.Cache, pass.Start, pass.Build?.Layers);
        var x = vocab_embed.forward(ids);
        var c = nn.functional.silu(sigma_map.forward(sigma));
        var (cos, sin) = RotaryPositions.Tables(rotary_emb.InverseFrequencies, positions);
        for (int i = 0; i < blocks.Count; i++)
        {
            var (h, k, v) = blocks[i].Run(x, c, cos, sin, allowed, cache?.Layer(i), start);
            x = h;
            fresh?.Add((k.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope()));
        }

        return output_layer.Run(x[.., output.Offset..(output.Offset + output.Length)], c).MoveToOuterDisposeScope();
    }
}
