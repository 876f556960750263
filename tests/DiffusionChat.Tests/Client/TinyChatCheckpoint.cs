using System.Text.Json.Nodes;
using DiffusionChat.Cli.TinyModels;

namespace DiffusionChat.Tests.Client;

/// <summary>
/// A throwaway Hugging Face-layout folder holding a tiny random LLaDA-architecture model sized to the repository's
/// trained tokenizer (models/tokenizer), written by the CLI's <c>make-tiny-model</c> writer, so the whole
/// load -> template -> sample -> decode path runs for real.
/// </summary>
internal sealed class TinyChatCheckpoint : IDisposable
{
    public TinyChatCheckpoint(JsonObject? generationDefaults = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "dc-chat-" + Guid.NewGuid().ToString("N"));
        TinyModelWriter.Write(Directory, TinyModelFamily.Masked, RepoPaths.Path("models", "tokenizer"));
        // A 256-token context keeps "prompt longer than the context" cases cheap to build.
        var configPath = Path.Combine(Directory, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["max_sequence_length"] = 256;
        if (generationDefaults is not null)
        {
            config["generation_defaults"] = generationDefaults;
        }

        File.WriteAllText(configPath, config.ToJsonString());
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
