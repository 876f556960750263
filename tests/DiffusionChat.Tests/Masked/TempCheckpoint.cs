using System.Text.Json.Nodes;

namespace DiffusionChat.Tests.Masked;

/// <summary>A temporary checkpoint folder: a golden model's weights with an edited config.json.</summary>
internal sealed class TempCheckpoint : IDisposable
{
    public TempCheckpoint(string goldenFolder, Action<JsonObject> editConfig)
    {
        Directory = Path.Combine(Path.GetTempPath(), "dc-masked-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        var source = GoldenPaths.Folder(goldenFolder);
        File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(Directory, "model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "config.json")))!.AsObject();
        editConfig(config);
        File.WriteAllText(Path.Combine(Directory, "config.json"), config.ToJsonString());
    }

    public string Directory { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
