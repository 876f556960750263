namespace DiffusionChat.Samples.Chat;

/// <summary>Finds the model folder to chat with: the one named on the command line, else <c>models/dc-masked</c>.</summary>
internal static class ModelFolderResolver
{
    /// <summary>The default model folder, relative to the repository root.</summary>
    public static readonly string DefaultRelative = Path.Combine("models", "dc-masked");

    /// <summary>
    /// Returns the folder to load, or null with <paramref name="problem"/> set to a message the user can act on.
    /// The default is looked up above the current folder and above the sample's binary, so <c>dotnet run</c> works
    /// from the repository root and from <c>samples/Chat</c>.
    /// </summary>
    public static string? Resolve(string? requested, IEnumerable<string> searchRoots, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(searchRoots);
        problem = null;
        if (requested is not null)
        {
            if (File.Exists(Path.Combine(requested, "config.json")))
            {
                return Path.GetFullPath(requested);
            }

            problem = $"Model folder '{requested}' has no config.json. Pass --model <folder> with a checkpoint folder " +
                "(write a tiny random one with: dotnet run --project tools/DiffusionChat.Cli -- make-tiny-model models/tiny-masked).";
            return null;
        }

        foreach (var root in searchRoots)
        {
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, DefaultRelative);
                if (File.Exists(Path.Combine(candidate, "config.json")))
                {
                    return candidate;
                }
            }
        }

        problem = $"No model given and the default '{DefaultRelative}' was not found. Pass --model <folder> " +
            "(write a tiny random one with: dotnet run --project tools/DiffusionChat.Cli -- make-tiny-model models/tiny-masked).";
        return null;
    }
}
