using System.Reflection;

namespace DiffusionChat.Cli.Golden;

/// <summary>Finds the suite for a fixture folder's architecture and runs it.</summary>
internal static class GoldenRunner
{
    private static readonly Lazy<IReadOnlyDictionary<string, IGoldenSuite>> Suites = new(() =>
        typeof(GoldenRunner).Assembly.GetTypes()
            .Where(t => typeof(IGoldenSuite).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (IGoldenSuite)Activator.CreateInstance(t)!)
            .ToDictionary(s => s.Architecture, StringComparer.Ordinal));

    /// <summary>The architectures that have a suite.</summary>
    public static IReadOnlyCollection<string> Architectures => Suites.Value.Keys.ToList();

    /// <summary>Runs every case of the fixture folder.</summary>
    /// <exception cref="NotSupportedException">No suite for the folder's architecture.</exception>
    public static IReadOnlyList<GoldenCaseResult> Run(string directory, CancellationToken cancellationToken = default)
    {
        using var folder = GoldenFolder.Open(directory);
        if (!Suites.Value.TryGetValue(folder.Architecture, out var suite))
        {
            throw new NotSupportedException(
                $"Fixture folder '{folder.Directory}' has architecture '{folder.Architecture}'; supported: {string.Join(", ", Architectures.Order(StringComparer.Ordinal))}.");
        }

        return suite.Run(folder, cancellationToken).ToList();
    }
}
