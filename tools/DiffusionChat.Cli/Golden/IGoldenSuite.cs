namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Checks one architecture's fixture folder (layout of <c>tests/fixtures/goldens/</c>: <c>manifest.json</c>,
/// <c>config.json</c>, <c>model.safetensors</c>, <c>forward.safetensors</c>, <c>sampler.*</c>, ...) against our
/// implementation. One implementation per <c>manifest.json</c> "architecture" value; found by reflection.
/// </summary>
internal interface IGoldenSuite
{
    /// <summary>The manifest's "architecture" value this suite handles (e.g. <c>llada</c>).</summary>
    string Architecture { get; }

    /// <summary>Runs every forward and sampler case listed in the folder's manifest.</summary>
    IEnumerable<GoldenCaseResult> Run(GoldenFolder folder, CancellationToken cancellationToken);
}
