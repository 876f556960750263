namespace DiffusionChat.Server.Hosting;

/// <summary>
/// Resolves a relative <c>DiffusionChat:ModelPath</c> against the working folder and then its parents, so the default
/// <c>models/dc-masked</c> is found whether <c>dotnet run</c> starts the server in the repository root or in the project
/// folder. Absolute paths, and relative ones that exist where they are, are kept as given.
/// </summary>
internal static class ModelPathResolver
{
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || Directory.Exists(path))
        {
            return path;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        // Not found: the library's validator reports the path as configured.
        return path;
    }
}
