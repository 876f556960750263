using DiffusionChat.Checkpoints;
using DiffusionChat.Generation;
using DiffusionChat.Tokenization;
using TorchSharp;

namespace DiffusionChat.Hosting;

/// <summary>What a <see cref="ModelRegistration"/> builds its generator from.</summary>
/// <param name="Checkpoint">The open folder.</param>
/// <param name="Device">Where the weights go.</param>
/// <param name="DType">The weights' dtype.</param>
/// <param name="Defaults">The checkpoint's <c>generation_defaults</c>.</param>
/// <param name="MaxSequenceLength">The context the config names.</param>
/// <param name="Tokenizer">The folder's tokenizer (special-token ids).</param>
internal sealed record ModelLoadContext(
    CheckpointFolder Checkpoint,
    torch.Device Device,
    torch.ScalarType DType,
    DiffusionGenerationOptions Defaults,
    int MaxSequenceLength,
    DiffusionTokenizer Tokenizer);
