namespace DiffusionChat.Tests;

/// <summary>Locates folders of this repository (e.g. <c>models/tokenizer</c>) from the test binary's folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "DiffusionChatProvider.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Repository root (DiffusionChatProvider.sln) not found above " + AppContext.BaseDirectory);
    }
}
