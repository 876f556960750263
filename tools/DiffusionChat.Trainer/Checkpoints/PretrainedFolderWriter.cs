using System.Text.Json;
using System.Text.Json.Nodes;
using DiffusionChat.Checkpoints;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Checkpoints;

/// <summary>Writes a Hugging Face-layout model folder: <c>config.json</c>, <c>model.safetensors</c>, tokenizer files, <c>README.md</c>.</summary>
internal static class PretrainedFolderWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the folder.</summary>
    /// <param name="folder">Output folder (created if missing).</param>
    /// <param name="config">The model's <c>config.json</c>.</param>
    /// <param name="module">The model; its state dict is written as is (names are the checkpoint keys).</param>
    /// <param name="tokenizerFolder">Tokenizer files to copy next to the weights, or null.</param>
    /// <param name="modelCard">The README.md text, or null.</param>
    public static void Write(string folder, JsonObject config, nn.Module module, string? tokenizerFolder, string? modelCard)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(module);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, CheckpointFolder.ConfigFile), config.ToJsonString(Indented));
        SafetensorsWriter.Write(Path.Combine(folder, CheckpointFolder.SingleWeightsFile), module.state_dict(), new Dictionary<string, string> { ["format"] = "pt" });
        if (tokenizerFolder is not null)
        {
            foreach (var file in Tokenization.BpeVocabulary.Files)
            {
                var source = Path.Combine(tokenizerFolder, file);
                if (File.Exists(source))
                {
                    File.Copy(source, Path.Combine(folder, file), overwrite: true);
                }
            }
        }

        if (modelCard is not null)
        {
            File.WriteAllText(Path.Combine(folder, "README.md"), modelCard);
        }
    }
}
