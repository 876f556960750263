using DiffusionChat.Checkpoints;
using DiffusionChat.Devices;
using DiffusionChat.Generation;
using DiffusionChat.Prompting;
using DiffusionChat.Tokenization;
using TorchSharp;

namespace DiffusionChat.Hosting;

/// <summary>
/// Loads a chat model from a Hugging Face-layout checkpoint folder: picks the model family from <c>config.json</c>
/// (the one model registry, <c>Hosting/ModelRegistry.cs</c>), loads weights on the requested device and dtype, the
/// tokenizer from the folder's own files, the chat format from its <c>tokenizer_config.json</c>, and the generation
/// defaults from <c>config.json</c>.
/// </summary>
public sealed class CheckpointChatModelLoader : IChatModelLoader
{
    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The folder holds a model type DiffusionChat cannot run (the message lists the supported ones).</exception>
    /// <exception cref="CheckpointFormatException">Config or weights are missing or malformed, or tokenizer files are malformed.</exception>
    /// <exception cref="DirectoryNotFoundException">The model folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no tokenizer files (tokenizer.json, or vocab.json and merges.txt).</exception>
    /// <exception cref="ArgumentException">The dtype name is not float32, float16 or bfloat16, or the thread count (<see cref="DiffusionChatHostingOptions.Threads"/>, <c>DIFFUSIONCHAT_THREADS</c>) is outside 1 .. 1024.</exception>
    public ChatModelParts Load(DiffusionChatHostingOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var device = ComputeDevice.Resolve(options.Device);
        CpuThreads.Apply(options.Threads);
        var dtype = ParseDType(options.DType);
        using var checkpoint = CheckpointFolder.Open(options.ModelPath);
        var registration = ModelRegistry.Find(checkpoint);
        var tokenizer = TokenizerLoader.Load(checkpoint, registration.TokenizerFallback);
        var format = PromptFormatSelector.Select(checkpoint.Directory);
        var defaults = GenerationDefaults.Read(checkpoint);
        cancellationToken.ThrowIfCancellationRequested();
        var generator = registration.Create(new ModelLoadContext(checkpoint, device, dtype, defaults, MaxSequenceLength(checkpoint), tokenizer));

        var modelId = string.IsNullOrWhiteSpace(options.ModelId) ? Path.GetFileName(checkpoint.Directory.TrimEnd(Path.DirectorySeparatorChar)) : options.ModelId;
        return new ChatModelParts(modelId, generator, tokenizer, format, checkpoint.Directory);
    }

    /// <summary>Parses a dtype name.</summary>
    /// <exception cref="ArgumentException">Not one of float32, float16, bfloat16.</exception>
    public static torch.ScalarType ParseDType(string? name) => (name ?? "float32").Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => torch.ScalarType.Float32,
        "float16" or "fp16" or "f16" or "half" => torch.ScalarType.Float16,
        "bfloat16" or "bf16" => torch.ScalarType.BFloat16,
        _ => throw new ArgumentException($"DType '{name}' is not valid. Allowed: float32, float16, bfloat16.", nameof(name)),
    };

    // The trained context: LLaDA's max_sequence_length, MDLM's model_length, HF's max_position_embeddings. A config that
    // names none is refused rather than given a made-up length the model may never have seen.
    private static int MaxSequenceLength(CheckpointFolder checkpoint)
    {
        string[] keys = ["max_sequence_length", "model_length", "max_position_embeddings"];
        foreach (var key in keys)
        {
            if (checkpoint.Config.TryGetProperty(key, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.Number && value.TryGetInt32(out int n) && n > 1)
            {
                return n;
            }
        }

        throw new CheckpointFormatException(
            $"'{Path.Combine(checkpoint.Directory, "config.json")}' names no usable context length: set one of {string.Join(", ", keys)} to the length the model was trained with (a whole number above 1).");
    }
}
