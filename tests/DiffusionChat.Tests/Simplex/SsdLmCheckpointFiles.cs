using DiffusionChat.Checkpoints;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

/// <summary>Temporary checkpoint folders derived from the fixture's tiny SSD-LM, for loader and conversion tests.</summary>
internal sealed class SsdLmCheckpointFiles : IDisposable
{
    public SsdLmCheckpointFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "ssdlm-test-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        File.Copy(Path.Combine(GoldenPaths.Folder("ssdlm"), "config.json"), Path.Combine(Directory, "config.json"));
    }

    public string Directory { get; }

    /// <summary>Every tensor of the fixture's model.safetensors, by key (CPU, stored dtype).</summary>
    public static Dictionary<string, Tensor> FixtureTensors()
    {
        using var file = SafetensorsFile.Open(Path.Combine(GoldenPaths.Folder("ssdlm"), "model.safetensors"));
        return file.Tensors.Keys.ToDictionary(k => k, k => file.Load(k), StringComparer.Ordinal);
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a memory map may still be closing.
        }
    }
}
