using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Dit;
using DiffusionChat.Models.Dream;
using DiffusionChat.Models.Llada;
using TorchSharp;

namespace DiffusionChat.Models;

/// <summary>
/// Loads a masked-diffusion checkpoint folder as an <see cref="IMaskedDenoiser"/>, choosing the implementation from
/// <c>config.json</c>'s <c>model_type</c> (or <c>architectures</c>).
/// </summary>
public static class DiffusionModel
{
    private static readonly Dictionary<string, Func<CheckpointFolder, torch.Device, torch.ScalarType, IMaskedDenoiser>> Loaders =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["mdlm"] = (c, d, t) => MdlmDenoiser.Load(c, d, t),
            ["bd3lm"] = (c, d, t) => MdlmDenoiser.Load(c, d, t),
            ["llada"] = (c, d, t) => LladaDenoiser.Load(c, d, t),
            ["LLaDAModelLM"] = (c, d, t) => LladaDenoiser.Load(c, d, t),
            ["Dream"] = (c, d, t) => DreamDenoiser.Load(c, d, t),
            ["DreamModel"] = (c, d, t) => DreamDenoiser.Load(c, d, t),
        };

    /// <summary>The <c>model_type</c> / <c>architectures</c> values that can be loaded.</summary>
    public static IReadOnlyCollection<string> SupportedTypes => Loaders.Keys;

    /// <summary>Opens a checkpoint folder and loads the matching denoiser.</summary>
    /// <param name="folder">A Hugging Face-layout folder (config.json + safetensors).</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype; float32 by default.</param>
    /// <returns>The loaded denoiser; dispose it to free its weights.</returns>
    /// <exception cref="NotSupportedException">The config names a model type that is not supported (the message lists the supported ones).</exception>
    /// <exception cref="CheckpointFormatException">Config or weights are invalid.</exception>
    public static IMaskedDenoiser Load(string folder, torch.Device device, torch.ScalarType dtype = torch.ScalarType.Float32)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(device);
        using var checkpoint = CheckpointFolder.Open(folder);
        return Load(checkpoint, device, dtype);
    }

    /// <summary>Loads the matching denoiser from an opened checkpoint folder.</summary>
    /// <param name="checkpoint">The folder.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype; float32 by default.</param>
    /// <returns>The loaded denoiser.</returns>
    /// <exception cref="NotSupportedException">Unsupported model type.</exception>
    public static IMaskedDenoiser Load(CheckpointFolder checkpoint, torch.Device device, torch.ScalarType dtype = torch.ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        foreach (var name in checkpoint.ModelTypes)
        {
            if (Loaders.TryGetValue(name, out var load))
            {
                return load(checkpoint, device, dtype);
            }
        }

        throw new NotSupportedException(
            $"Checkpoint '{checkpoint.Directory}' declares model type {checkpoint.DescribeModelTypes()}; " +
            $"supported masked-diffusion types: {string.Join(", ", Loaders.Keys.Distinct(StringComparer.OrdinalIgnoreCase))}.");
    }
}
