using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Qwen;

/// <summary>The decoder stack under the checkpoint prefix <c>model.</c>: <c>embed_tokens</c>, <c>layers</c>, final <c>norm</c>.</summary>
internal sealed class QwenModel : nn.Module
{
    private readonly Tensor inverseFrequencies;

#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Embedding embed_tokens;
    private readonly ModuleList<QwenDecoderLayer> layers;
    private readonly RmsNorm norm;
#pragma warning restore IDE1006, SA1300

    public QwenModel(QwenConfig config, Device device, ScalarType dtype) : base(nameof(QwenModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        layers = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new QwenDecoderLayer(config, device, dtype)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();

        // Not a checkpoint tensor (a non-persistent buffer in the reference), so not registered.
        inverseFrequencies = RotaryPositions.InverseFrequencies(config.RopeTheta, config.HeadDim, device);
    }

    /// <summary>The input embedding table [V, D] (the output projection of a tied model).</summary>
    public Tensor EmbeddingTable => embed_tokens.weight!;

    /// <summary>Final normed hidden states [B, W, D] of the tokens <paramref name="ids"/> [B, W].</summary>
    /// <param name="ids">Token ids.</param>
    /// <param name="positions">Their absolute positions, int64 [B or 1, W].</param>
    /// <param name="allowed">Optional bool mask broadcastable to [B, heads, W, cached + W].</param>
    /// <param name="cache">Keys/values of earlier positions, or null.</param>
    /// <param name="store">Whether this call's keys/values are appended to <paramref name="cache"/>.</param>
    /// <param name="windowStart">Where the tokens sit in a whole-sequence cache (see <see cref="QwenAttention.Forward"/>); null: after everything cached.</param>
    /// <param name="fresh">When not null, receives each layer's keys/values in layer order (the caller owns them).</param>
    public Tensor Forward(Tensor ids, Tensor positions, Tensor? allowed, KeyValueCache? cache, bool store, long? windowStart = null, List<(Tensor Keys, Tensor Values)>? fresh = null)
    {
        using var scope = NewDisposeScope();
        var (cos, sin) = RotaryPositions.Tables(inverseFrequencies, positions);
        var x = embed_tokens.forward(ids);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].Forward(x, cos, sin, allowed, cache, i, store, windowStart, fresh);
        }

        return norm.forward(x).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inverseFrequencies.Dispose();
        }

        base.Dispose(disposing);
    }
}
