using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Llada;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tools;

/// <summary>
/// Writes a Hugging Face-layout folder (<c>config.json</c> + <c>model.safetensors</c>) holding a model with random
/// weights. The tensor names and shapes come from the library's own modules (their state-dict names are the checkpoint
/// keys), so the folder loads exactly as a trained one would; the caller only chooses how each tensor is drawn. Shared
/// by the CLI's <c>make-tiny-model</c> and the benchmarks' <c>make-tiny</c> (linked into both from <c>tools/Shared/</c>).
/// </summary>
internal static class RandomModelWriter
{
    /// <summary>Draws the value of one checkpoint tensor.</summary>
    /// <param name="name">The parameter's state-dict name inside the module (without the checkpoint prefix).</param>
    /// <param name="initialised">The module's freshly initialised parameter (read only; the draw returns a new tensor).</param>
    /// <returns>The tensor to write, with the parameter's shape.</returns>
    public delegate Tensor Draw(string name, Tensor initialised);

    /// <summary>Writes a LLaDA-architecture folder (<c>model_type</c> <c>llada</c>, keys under <see cref="LladaDenoiser.KeyPrefix"/>).</summary>
    /// <param name="folder">Target folder (created if missing; existing model files are replaced).</param>
    /// <param name="config">The architecture.</param>
    /// <param name="configJson">The config.json to write, normally <see cref="LladaConfig.ToJson"/> plus generation defaults.</param>
    /// <param name="seed">Seed of <see cref="LladaDenoiser.Create"/>'s initialisation, which <paramref name="draw"/> sees.</param>
    /// <param name="draw">How each tensor is drawn.</param>
    public static void WriteLlada(string folder, LladaConfig config, JsonObject configJson, int seed, Draw draw)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var denoiser = LladaDenoiser.Create(config, CPU, seed);
        Write(folder, configJson, denoiser.Transformer, LladaDenoiser.KeyPrefix, draw);
    }

    /// <summary>Writes <paramref name="model"/>'s parameters, each replaced by <paramref name="draw"/>, and the config.</summary>
    /// <param name="folder">Target folder (created if missing; existing model files are replaced).</param>
    /// <param name="configJson">The config.json to write.</param>
    /// <param name="model">A module whose state-dict names (after <paramref name="keyPrefix"/>) are the checkpoint keys.</param>
    /// <param name="keyPrefix">Prefix of every checkpoint key (empty when the module is the whole checkpoint).</param>
    /// <param name="draw">How each tensor is drawn.</param>
    public static void Write(string folder, JsonObject configJson, nn.Module model, string keyPrefix, Draw draw)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(configJson);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        ArgumentNullException.ThrowIfNull(draw);
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                tensors[keyPrefix + name] = draw(name, parameter.detach());
            }
        }

        File.WriteAllText(Path.Combine(folder, CheckpointFolder.ConfigFile), configJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }
}
