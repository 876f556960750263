using DiffusionChat.Models.Autoregressive;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training.Masked;

/// <summary>
/// TEMPORARY: a bidirectional transformer denoiser used only by the trainer until the engine's masked-diffusion model
/// class (DiT/LLaDA-style, src/DiffusionChat/Models/) lands; switch <see cref="MaskedDiffusionObjective"/> to that
/// class then, so shipped checkpoints load in the library. It reuses the LLaMA blocks with full (non-causal)
/// attention over the non-padding tokens and a tied output projection.
/// </summary>
internal sealed class ScratchMaskedDenoiser : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    public readonly LlamaModel model;
#pragma warning restore IDE1006, SA1307, CA1051

    public ScratchMaskedDenoiser(LlamaConfig config)
        : base(nameof(ScratchMaskedDenoiser))
    {
        Config = config.Validate();
        model = new LlamaModel("model", config);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }

    /// <summary>Logits over the vocabulary for every position: ids [batch, tokens], valid bool [batch, tokens].</summary>
    public override Tensor forward(Tensor inputIds, Tensor valid)
    {
        using var scope = NewDisposeScope();
        var tokens = inputIds.shape[1];
        var positions = arange(tokens, ScalarType.Int64, inputIds.device).unsqueeze(0).expand(inputIds.shape[0], tokens);
        var allowed = valid.unsqueeze(1).unsqueeze(1); // [B, 1, 1, S]: every query sees every real token
        var hidden = model.Forward(inputIds, positions, allowed, null);
        return matmul(hidden, model.embed_tokens.weight!.t()).MoveToOuterDisposeScope();
    }
}
