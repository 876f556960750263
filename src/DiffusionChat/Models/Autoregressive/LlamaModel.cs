using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>The decoder stack: token embedding, <see cref="LlamaDecoderLayer"/>s, final norm (checkpoint prefix <c>model.</c>).</summary>
public sealed class LlamaModel : nn.Module
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>Token embedding [vocab, hidden].</summary>
    public readonly Embedding embed_tokens;

    /// <summary>The blocks.</summary>
    public readonly ModuleList<LlamaDecoderLayer> layers;

    /// <summary>Final norm.</summary>
    public readonly RmsNorm norm;
#pragma warning restore IDE1006, SA1307, CA1051

    private readonly LlamaConfig config;

    /// <summary>Creates the stack with freshly initialised weights.</summary>
    public LlamaModel(string name, LlamaConfig config)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        this.config = config;
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(i => new LlamaDecoderLayer($"layers.{i}", config)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    /// <summary>Final hidden states of the new tokens [batch, tokens, hidden].</summary>
    /// <param name="inputIds">New token ids [batch, tokens].</param>
    /// <param name="positions">Their position ids [batch, tokens].</param>
    /// <param name="allowed">Attention mask, bool [batch, 1, tokens, cached + tokens].</param>
    /// <param name="cache">The cache, appended to; or null.</param>
    public Tensor Forward(Tensor inputIds, Tensor positions, Tensor allowed, KeyValueCache? cache)
    {
        using var scope = NewDisposeScope();
        // The table is rebuilt per call on the positions' device: the module is created before it is moved to one.
        var inverseFrequencies = RotaryPositions.InverseFrequencies(config.RopeTheta, config.HeadDim, positions.device);
        var (cos, sin) = RotaryPositions.Tables(inverseFrequencies, positions);
        var hidden = embed_tokens.forward(inputIds);
        for (var i = 0; i < layers.Count; i++)
        {
            hidden = layers[i].Forward(hidden, cos, sin, allowed, cache, i);
        }

        return norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
