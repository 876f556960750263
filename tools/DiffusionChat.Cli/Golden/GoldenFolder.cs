using System.Text.Json;
using DiffusionChat.Checkpoints;
using TorchSharp;

namespace DiffusionChat.Cli.Golden;

/// <summary>A fixture folder: its manifest plus lazily opened safetensors/json files.</summary>
internal sealed class GoldenFolder : IDisposable
{
    private readonly Dictionary<string, SafetensorsFile> opened = new(StringComparer.Ordinal);

    private GoldenFolder(string directory, JsonElement manifest)
    {
        Directory = directory;
        Manifest = manifest;
    }

    /// <summary>The folder's full path (also a checkpoint folder: config.json + model.safetensors).</summary>
    public string Directory { get; }

    /// <summary>The parsed <c>manifest.json</c>.</summary>
    public JsonElement Manifest { get; }

    /// <summary>The manifest's "architecture".</summary>
    public string Architecture => Manifest.GetProperty("architecture").GetString() ?? "";

    public static GoldenFolder Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        var manifestPath = Path.Combine(full, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"Fixture folder '{full}' has no manifest.json.", manifestPath);
        }

        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        return new GoldenFolder(full, doc.RootElement.Clone());
    }

    /// <summary>Names listed under a manifest array property (e.g. <c>forward_cases</c>); empty when absent.</summary>
    public IReadOnlyList<string> Cases(string property) =>
        Manifest.TryGetProperty(property, out var arr) && arr.ValueKind == JsonValueKind.Array
            ? arr.EnumerateArray().Select(e => e.GetString()!).ToList()
            : [];

    /// <summary>Whether <paramref name="file"/> exists in the folder.</summary>
    public bool Has(string file) => File.Exists(Path.Combine(Directory, file));

    /// <summary>Reads a JSON file of the folder (e.g. <c>sampler.json</c>).</summary>
    public JsonElement Json(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Directory, file)));
        return doc.RootElement.Clone();
    }

    /// <summary>Loads a tensor from a safetensors file of the folder, on CPU in its stored dtype.</summary>
    public torch.Tensor Tensor(string file, string name)
    {
        if (!opened.TryGetValue(file, out var st))
        {
            st = SafetensorsFile.Open(Path.Combine(Directory, file));
            opened[file] = st;
        }

        return st.Load(name);
    }

    /// <summary>Whether a safetensors file of the folder holds a tensor of that name.</summary>
    public bool HasTensor(string file, string name)
    {
        if (!Has(file))
        {
            return false;
        }

        if (!opened.TryGetValue(file, out var st))
        {
            st = SafetensorsFile.Open(Path.Combine(Directory, file));
            opened[file] = st;
        }

        return st.Tensors.ContainsKey(name);
    }

    public void Dispose()
    {
        foreach (var f in opened.Values)
        {
            f.Dispose();
        }
    }
}
