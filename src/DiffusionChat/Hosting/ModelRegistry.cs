using DiffusionChat.Checkpoints;
using DiffusionChat.Generation;
using DiffusionChat.Models;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Dream;
using DiffusionChat.Models.Sdar;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Tokenization;
using TorchSharp;

namespace DiffusionChat.Hosting;

/// <summary>
/// The one map from a checkpoint's <c>config.json</c> to its model family and the <see cref="ITokenGenerator"/> that
/// runs it. Each entry names the model types it loads (<c>model_type</c> / <c>architectures</c>, compared ignoring
/// case by <see cref="CheckpointFolder.DeclaresModelType"/>), what else the folder must hold, the built-in tokenizer
/// released folders of that type rely on, and how its generator is built. No two entries share a model type.
/// </summary>
/// <remarks>A new model family is one more entry here (docs/architecture.md, "Where new things go").</remarks>
internal static class ModelRegistry
{
    private static readonly ModelRegistration[] Entries =
    [
        // Released MDLM/BD3-LM folders ship no tokenizer files: they use GPT-2 with the mask appended.
        new("masked diffusion", ["mdlm", "bd3lm"], TokenizerFallback: TokenizerLoader.Gpt2Encoding,
            Create: c => new MaskedTokenGenerator(DiffusionModel.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.MaxSequenceLength)),
        new("masked diffusion", ["llada", "LLaDAModelLM"],
            Create: c => new MaskedTokenGenerator(DiffusionModel.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.MaxSequenceLength)),
        // Dream also loads as a masked denoiser (DiffusionModel) for the library's samplers; a chat runs Dream's own.
        new("Dream", [.. DreamDenoiser.ModelTypes],
            Create: c => new DreamTokenGenerator(DreamDenoiser.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.MaxSequenceLength)),
        new("SDAR", [.. SdarDenoiser.ModelTypes],
            Create: c => new SdarTokenGenerator(SdarDenoiser.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.MaxSequenceLength)),
        new("simplex diffusion", ["roberta"], Requires: ("SSD-LM layers", c => c.Contains("embed_sum_layer.weight")),
            Create: c => new SimplexTokenGenerator(SsdLmDenoiser.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.Tokenizer.SpecialTokens.Eos?.Id)),
        // Our LLaMA-style simplex denoiser (trained from the AR baseline's weights), under the same simplex sampler.
        new("simplex diffusion", [SimplexLlamaConfig.ModelType, SimplexLlamaConfig.Architecture],
            Create: c => new SimplexTokenGenerator(SimplexLlamaDenoiser.Load(c.Checkpoint, c.Device, c.DType), c.Defaults, c.Tokenizer.SpecialTokens.Eos?.Id)),
        new("autoregressive baseline", ["llama"],
            Create: c => new AutoregressiveTokenGenerator(LoadDecoder(c.Checkpoint, c.Device, c.DType), c.Tokenizer.SpecialTokens.Pad?.Id ?? c.Tokenizer.SpecialTokens.Eos?.Id ?? 0)),
    ];

    /// <summary>The entry for <paramref name="checkpoint"/>.</summary>
    /// <exception cref="NotSupportedException">No entry matches; the message names the declared types and lists the supported ones.</exception>
    public static ModelRegistration Find(CheckpointFolder checkpoint) =>
        Entries.FirstOrDefault(e => checkpoint.DeclaresModelType([.. e.ModelTypes]) && (e.Requires?.Holds(checkpoint) ?? true))
        ?? throw new NotSupportedException(
            $"Checkpoint '{checkpoint.Directory}' declares model type {checkpoint.DescribeModelTypes()}; supported: " +
            string.Join(", ", Entries.Select(e => $"{e.Family} ({string.Join(", ", e.ModelTypes)}{(e.Requires is { } r ? $" with {r.What}" : "")})")) + ".");

    private static LlamaForCausalLM LoadDecoder(CheckpointFolder checkpoint, torch.Device device, torch.ScalarType dtype)
    {
        var model = LlamaForCausalLM.FromCheckpoint(checkpoint, device);
        if (dtype != torch.ScalarType.Float32)
        {
            model.to(dtype);
        }

        return model;
    }
}
