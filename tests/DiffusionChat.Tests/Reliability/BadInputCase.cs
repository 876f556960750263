namespace DiffusionChat.Tests.Reliability;

/// <summary>
/// One entry of the bad-input catalogue: what a caller does wrong, the exception the library must throw, and the
/// fragments its message must contain (the bad value and what is allowed).
/// </summary>
/// <param name="Name">The case, as listed in docs/reliability.md.</param>
/// <param name="Expected">The exact exception type.</param>
/// <param name="MessageFragments">Text the message must contain (ordinal comparison).</param>
/// <param name="Act">Does the wrong thing through the public API.</param>
public sealed record BadInputCase(string Name, Type Expected, string[] MessageFragments, Func<ReliabilityModel, Task> Act)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
