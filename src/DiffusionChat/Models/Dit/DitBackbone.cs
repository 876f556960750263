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

    /// <summary>
    /// Logits [B, W, V] for the window <paramref name="ids"/> [B, W] at <paramref name="positions"/> [B, W].
    /// </summary>
    /// <param name="ids">Window token ids.</param>
    /// <param name="sigma">Noise level [B] (already zero when the model is not time-conditioned).</param>
    /// <param name="positions">Absolute positions of the window tokens.</param>
    /// <param name="allowed">Optional attention mask [B or 1, 1, W, Lk].</param>
    /// <param name="cache">Keys/values of the whole sequence, or null.</param>
    /// <param name="start">Window start when <paramref name="cache"/> is given.</param>
    /// <param name="fresh">When not null, receives each layer's fresh keys/values (caller owns them).</param>
    /// <param name="output">(offset, length) of the window positions that need logits.</param>
    public Tensor Run(Tensor ids, Tensor sigma, Tensor positions, Tensor? allowed, KeyValueCache? cache, long start, List<(Tensor Keys, Tensor Values)>? fresh, (int Offset, int Length) output)
    {
        using var scope = NewDisposeScope();
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
