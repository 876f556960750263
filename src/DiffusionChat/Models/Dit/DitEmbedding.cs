using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dit;

/// <summary>DiT's <c>vocab_embed</c>: a bare <c>embedding</c> table [V, H] indexed by token id.</summary>
internal sealed class DitEmbedding : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly Parameter embedding;
#pragma warning restore IDE1006, SA1300

    public DitEmbedding(int vocab, int hidden, Device device, ScalarType dtype) : base(nameof(DitEmbedding))
    {
        embedding = new Parameter(zeros(vocab, hidden, dtype: dtype, device: device), requires_grad: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => embedding.index_select(0, input.reshape(-1)).view([.. input.shape, -1]);
}
