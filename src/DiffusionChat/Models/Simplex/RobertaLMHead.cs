using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// The masked-LM head: <c>decoder(layer_norm(gelu(dense(h)))) + bias</c> with the decoder tied to the word
/// embeddings (<c>lm_head.{dense,layer_norm,bias}</c>; <c>lm_head.decoder.*</c> are copies of tied tensors).
/// </summary>
internal sealed class RobertaLMHead : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006
    private readonly Linear dense;
    private readonly LayerNorm layer_norm;
    private readonly Parameter bias;
#pragma warning restore IDE1006

    public RobertaLMHead(SsdLmConfig config) : base(nameof(RobertaLMHead))
    {
        dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        layer_norm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
        bias = nn.Parameter(zeros(config.VocabSize));
        RegisterComponents();
    }

    /// <summary>The output bias [V] (<c>lm_head.bias</c>, which <c>lm_head.decoder.bias</c> is tied to).</summary>
    public Parameter Bias => bias;

    /// <param name="hidden">[B, N, H].</param>
    /// <param name="wordEmbeddings">The tied decoder weight [V, H].</param>
    /// <returns>Logits [B, N, V].</returns>
    public override Tensor forward(Tensor hidden, Tensor wordEmbeddings)
    {
        using var scope = NewDisposeScope();
        var h = layer_norm.call(nn.functional.gelu(dense.call(hidden)));
        return nn.functional.linear(h, wordEmbeddings, bias).MoveToOuterDisposeScope();
    }
}
