namespace DiffusionChat.Tests;

/// <summary>Locates <c>../shared/goldens</c> (beside the repository root) from the test binary's folder.</summary>
internal static class GoldenPaths
{
    public static string Root { get; } = Find();

    public static string Folder(string name) => Path.Combine(Root, name);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DiffusionChatProvider.sln")))
            {
                var goldens = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "goldens"));
                if (Directory.Exists(goldens))
                {
                    return goldens;
                }

                throw new DirectoryNotFoundException($"Parity fixtures not found at '{goldens}' (expected ../shared/goldens beside the repository).");
            }
        }

        throw new DirectoryNotFoundException("Repository root (DiffusionChatProvider.sln) not found above " + AppContext.BaseDirectory);
    }
}
