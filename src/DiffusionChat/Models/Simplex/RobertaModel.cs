using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// RoBERTa encoder without pooler (as inside <c>RobertaForMaskedLM</c>): embeddings, then the layer stack
/// (<c>roberta.embeddings.*</c>, <c>roberta.encoder.layer.N.*</c>).
/// </summary>
internal sealed class RobertaModel : nn.Module<Tensor, Tensor, Tensor?, Tensor>
{
#pragma warning disable IDE1006
    private readonly RobertaEmbeddings embeddings;
    private readonly RobertaEncoder encoder;
#pragma warning restore IDE1006

    public RobertaModel(SsdLmConfig config) : base(nameof(RobertaModel))
    {
        embeddings = new RobertaEmbeddings(config);
        encoder = new RobertaEncoder(config);
        RegisterComponents();
    }

    public RobertaEmbeddings Embeddings => embeddings;

    /// <param name="inputsEmbeds">Token vectors [B, N, H].</param>
    /// <param name="positionIds">Position ids [B, N].</param>
    /// <param name="additiveMask">[B, 1, 1, N] key mask, or null when nothing is padded.</param>
    /// <returns>Last hidden states [B, N, H].</returns>
    public override Tensor forward(Tensor inputsEmbeds, Tensor positionIds, Tensor? additiveMask)
    {
        using var embedded = embeddings.call(inputsEmbeds, positionIds);
        return encoder.call(embedded, additiveMask);
    }
}
