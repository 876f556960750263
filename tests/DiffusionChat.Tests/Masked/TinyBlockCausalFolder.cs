using System.Text.Json.Nodes;
using DiffusionChat.Cli.TinyModels;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// A throwaway tiny random LLaDA folder (the CLI's <c>make-tiny-model</c> writer, the repository's tokenizer) made
/// block-causal: <c>block_size</c> set and, as our trained masked models, <c>shift_logits</c>.
/// </summary>
internal sealed class TinyBlockCausalFolder : IDisposable
{
    public TinyBlockCausalFolder(int? blockSize = 4, bool shiftLogits = true, int context = 1024, JsonObject? generationDefaults = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "dc-blockcausal-" + Guid.NewGuid().ToString("N"));
        TinyModelWriter.Write(Directory, TinyModelFamily.Masked, RepoPaths.Path("models", "tokenizer"));
        var configPath = Path.Combine(Directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        if (blockSize is { } size)
        {
            config["block_size"] = size;
        }

        config["shift_logits"] = shiftLogits;
        config["max_sequence_length"] = context;
        config["generation_defaults"] = generationDefaults ?? new JsonObject { ["steps"] = 4, ["block_length"] = 4 };
        File.WriteAllText(configPath, config.ToJsonString());
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
