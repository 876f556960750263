using System.Globalization;
using DiffusionChat.Models.Simplex;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Checks the SSD-LM fixtures (<c>tests/fixtures/goldens/ssdlm</c>): the denoiser's forward pass per <c>forward_cases</c>
/// entry and the simplex sampler's replayed <c>decode</c> run per <c>sampler_cases</c> entry.
/// </summary>
internal sealed class SsdLmGoldenSuite : IGoldenSuite
{
    private const string ForwardFile = "forward.safetensors";

    /// <inheritdoc />
    public string Architecture => "ssdlm";

    /// <inheritdoc />
    public IEnumerable<GoldenCaseResult> Run(GoldenFolder folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        using var model = SsdLmDenoiser.Load(folder.Directory);
        var tolerances = folder.Manifest.GetProperty("tolerances");
        double Tol(string name) => tolerances.GetProperty(name).GetDouble();

        foreach (var name in folder.Cases("forward_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Forward(folder, model, name, Tol("inputs_embeds_atol"), Tol("logits_atol"), Tol("equivalent_score_atol"));
        }

        foreach (var name in folder.Cases("sampler_cases"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return SsdLmSamplerReplay.Run(folder, model, name, Tol("equivalent_score_atol"), cancellationToken);
        }
    }

    private static GoldenCaseResult Forward(GoldenFolder folder, SsdLmDenoiser model, string name, double embedsTol, double logitsTol, double scoreTol)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Tensor Golden(string tensor) => folder.Tensor(ForwardFile, $"{name}.{tensor}").to(model.Device);

        var context = Golden("context_ids");
        var xt = Golden("xt");
        var t = Golden("t");
        var totalSteps = checked((int)folder.Tensor(ForwardFile, $"{name}.total_t").item<long>());

        var embeds = model.InputsEmbeds(context, xt, t, totalSteps);
        var logits = model.Logits(context, xt, t, totalSteps);
        var score = model.EquivalentScore(context, xt, t, totalSteps);

        var diffs = new (string Tensor, double Diff, double Tol)[]
        {
            ("inputs_embeds", MaxAbsDiff(embeds, Golden("inputs_embeds")), embedsTol),
            ("logits", MaxAbsDiff(logits, Golden("logits")), logitsTol),
            ("equivalent_score", MaxAbsDiff(score, Golden("equivalent_score")), scoreTol),
        };
        var passed = diffs.All(d => d.Diff <= d.Tol);
        var detail = string.Join("  ", diffs.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Tensor} max|d|={d.Diff:E2}")));
        return new GoldenCaseResult(name, "forward", passed, detail);
    }

    /// <summary>max |a - b|, or +inf when the shapes differ.</summary>
    internal static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape))
        {
            return double.PositiveInfinity;
        }

        using var scope = NewDisposeScope();
        return actual.numel() == 0 ? 0 : (actual.to_type(ScalarType.Float64) - expected.to_type(ScalarType.Float64)).abs().max().item<double>();
    }
}
