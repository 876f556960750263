using DiffusionChat.Hosting;

namespace DiffusionChat.Server.Tests;

/// <summary>The shipped <c>models/dc-masked</c> (1.2 M parameters, answers in ~0.1 s), found above the test binaries.</summary>
internal static class ShippedModel
{
    public static string Folder { get; } = Find();

    public static DiffusionChatHostingOptions Options => new() { ModelPath = Folder, Device = "cpu" };

    /// <summary>
    /// An in-process client over the same model, built as <c>AddDiffusionChatClient</c> builds the server's (scaffolding
    /// middleware over the diffusion client), to compare the server's answers with.
    /// </summary>
    public static Microsoft.Extensions.AI.IChatClient InProcessClient() =>
        new DiffusionChat.Structured.ScaffoldingChatClient(new DiffusionChatClient(new CheckpointChatModelLoader().Load(Options)));

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "models", "dc-masked");
            if (File.Exists(Path.Combine(candidate, "config.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"models/dc-masked not found above {AppContext.BaseDirectory}.");
    }
}
