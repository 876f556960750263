namespace DiffusionChat.Tests;

/// <summary>
/// Locates the parity fixtures the repository carries (<c>tests/fixtures/goldens</c>) from the test binary's folder,
/// so a fresh clone with nothing beside it runs every parity test.
/// </summary>
internal static class GoldenPaths
{
    public static string Root { get; } = Find();

    public static string Folder(string name) => Path.Combine(Root, name);

    private static string Find()
    {
        var goldens = RepoPaths.Path("tests", "fixtures", "goldens");
        return Directory.Exists(goldens)
            ? goldens
            : throw new DirectoryNotFoundException($"Parity fixtures not found at '{goldens}' (tests/fixtures/goldens is part of the repository).");
    }
}
