using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// RoBERTa's input layer on the <c>inputs_embeds</c> path: the caller supplies the token vectors (word embeddings for
/// context tokens, the simplex projection for the noisy block); this adds token type 0 and learned absolute positions,
/// then applies LayerNorm. Checkpoint keys <c>roberta.embeddings.*</c>.
/// </summary>
internal sealed class RobertaEmbeddings : nn.Module<Tensor, Tensor, Tensor>
{
    // Field names are the checkpoint keys; the position_ids buffer of the checkpoint is recomputed, not stored.
#pragma warning disable IDE1006
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
#pragma warning restore IDE1006

    public RobertaEmbeddings(SsdLmConfig config) : base(nameof(RobertaEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = nn.Embedding(config.MaxPositions, config.HiddenSize, padding_idx: config.PadTokenId);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEpsilon);
        RegisterComponents();
    }

    /// <summary>The word embedding table [V, H]; the LM head's decoder is tied to it.</summary>
    public Parameter WordEmbeddingWeight => word_embeddings.weight!;

    /// <summary>The learned absolute position table [MaxPositions, H].</summary>
    public Parameter PositionEmbeddingWeight => position_embeddings.weight!;

    /// <summary>Looks up word vectors for token ids [B, N] -> [B, N, H].</summary>
    public Tensor Words(Tensor ids) => word_embeddings.call(ids);

    /// <summary>Adds type-0 and position embeddings to <paramref name="inputsEmbeds"/> [B, N, H] and normalises.</summary>
    /// <param name="inputsEmbeds">Token vectors [B, N, H].</param>
    /// <param name="positionIds">Position ids [B, N] (RoBERTa numbering: first real token at pad_token_id + 1).</param>
    public override Tensor forward(Tensor inputsEmbeds, Tensor positionIds)
    {
        using var scope = NewDisposeScope();
        using var typeZero = zeros(1, dtype: ScalarType.Int64, device: inputsEmbeds.device);
        var sum = inputsEmbeds.Plus(token_type_embeddings.call(typeZero)).Plus(position_embeddings.call(positionIds));
        return LayerNorm.call(sum).MoveToOuterDisposeScope();
    }
}
