using System.Text.Json.Nodes;
using DiffusionChat.Hosting;
using DiffusionChat.Tests.Client;

namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// One tiny random LLaDA-architecture checkpoint (repository tokenizer, 4-token blocks, 4 steps) shared by the
/// reliability tests of a class; each test loads its own client so disposal and cancellation stay local.
/// </summary>
public sealed class ReliabilityModel : IDisposable
{
    private readonly TinyChatCheckpoint checkpoint = new(new JsonObject { ["steps"] = 4, ["block_length"] = 4 });

    /// <summary>The checkpoint folder.</summary>
    public string Folder => checkpoint.Directory;

    /// <summary>Loads a fresh client over the checkpoint on the CPU.</summary>
    public DiffusionChatClient NewClient(DiffusionChatClientOptions? options = null) =>
        new(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = Folder, Device = "cpu" }), options);

    /// <summary>A fresh copy of the checkpoint folder that a test may corrupt; deleted with the returned handle.</summary>
    public static CorruptibleCheckpoint NewCorruptible() => new();

    /// <inheritdoc />
    public void Dispose() => checkpoint.Dispose();
}

/// <summary>A throwaway tiny checkpoint folder for tests that damage its files.</summary>
public sealed class CorruptibleCheckpoint : IDisposable
{
    private readonly TinyChatCheckpoint checkpoint = new();

    /// <summary>The folder.</summary>
    public string Folder => checkpoint.Directory;

    /// <summary>Path of a file in the folder.</summary>
    public string File(string name) => Path.Combine(Folder, name);

    /// <summary>Rewrites config.json after <paramref name="edit"/> changed it.</summary>
    public void EditConfig(Action<JsonObject> edit)
    {
        var config = JsonNode.Parse(System.IO.File.ReadAllText(File("config.json")))!.AsObject();
        edit(config);
        System.IO.File.WriteAllText(File("config.json"), config.ToJsonString());
    }

    /// <summary>Loads the folder through the public loader.</summary>
    public ChatModelParts Load(string dtype = "float32") =>
        new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = Folder, Device = "cpu", DType = dtype });

    /// <inheritdoc />
    public void Dispose() => checkpoint.Dispose();
}
