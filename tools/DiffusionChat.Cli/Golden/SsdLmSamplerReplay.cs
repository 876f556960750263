using System.Globalization;
using System.Text.Json;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Replays the reference <c>decode()</c> run of <c>sampler.safetensors</c> through <see cref="SimplexSampler"/> with
/// the recorded normals, and compares every step's projection (exact), score (atol) and the decoded ids (exact).
/// </summary>
internal static class SsdLmSamplerReplay
{
    private const string SamplerFile = "sampler.safetensors";

    public static GoldenCaseResult Run(GoldenFolder folder, SsdLmDenoiser model, string name, double scoreTol, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var settings = folder.Json("sampler.json").GetProperty("settings");
        int Setting(string key) => settings.GetProperty(key).GetInt32();
        double SettingDouble(string key) => settings.GetProperty(key).GetDouble();

        var options = new SimplexSamplerOptions
        {
            BlockLength = Setting("unit_seq_len"),
            Steps = Setting("sigma_num_steps"),
            MaxBlocks = Setting("decode_depth"),
            TopP = SettingDouble("projection_top_p"),
            SimplexValue = SettingDouble("one_hot_value"),
            NoiseScale = SettingDouble("noise_manual_scale"),
            Projection = SimplexProjection.TopPMultiHot,
            EndOfSequenceTokenId = null, // the reference decodes a fixed number of blocks
        };
        if (Setting("total_t") != options.Steps || SettingDouble("decode_ctr_lr") != 0 || settings.GetProperty("loss_mode").GetString() != "xe")
        {
            return new GoldenCaseResult(name, "sampler", false, "settings outside what the sampler implements (total_t != steps, control drift or non-xe loss)");
        }

        var contextIds = folder.Tensor(SamplerFile, "batch_input_ids").narrow(1, 0, Setting("context_size"));
        var prompts = ToRows(contextIds);
        var observer = new StepComparer(
            folder.Tensor(SamplerFile, "step_equivalent_score"), folder.Tensor(SamplerFile, "step_projected_logits"), options.Steps, scoreTol);
        var noise = new ReplayNoiseSource(folder.Tensor(SamplerFile, "normals"));

        var sampler = new SimplexSampler(model, options);
        var result = sampler.Generate(prompts, noise, onBlockCommitted: null, observer, cancellationToken);

        var expectedIds = ToRows(folder.Tensor(SamplerFile, "history_decode_ids"));
        var idsMatch = expectedIds.Count == result.Rows.Count &&
            expectedIds.Zip(result.Rows).All(p => p.First.SequenceEqual(p.Second.TokenIds));
        var normalsUsed = noise.NormalsUsed == folder.Tensor(SamplerFile, "normals").shape[0];
        var passed = observer.FirstMismatch is null && idsMatch && normalsUsed && observer.Steps == options.Steps * options.MaxBlocks;
        var projections = observer.ProjectionMismatches == 0 ? "exact" : $"{observer.ProjectionMismatches} step(s) differ";
        var firstMismatch = observer.FirstMismatch is { } first ? $"  first differing step: {first}" : "";
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"steps={observer.Steps} step_projected_logits {projections}  max|d step_equivalent_score|={observer.MaxScoreDiff:E2}  " +
            $"history_decode_ids {(idsMatch ? "exact" : "DIFFER")}  normals used {noise.NormalsUsed}{firstMismatch}");
        return new GoldenCaseResult(name, "sampler", passed, detail);
    }

    private static List<IReadOnlyList<int>> ToRows(Tensor ids)
    {
        var flat = ids.to_type(ScalarType.Int64).data<long>().ToArray();
        int width = (int)ids.shape[1];
        return Enumerable.Range(0, (int)ids.shape[0])
            .Select(r => (IReadOnlyList<int>)flat.Skip(r * width).Take(width).Select(v => (int)v).ToList())
            .ToList();
    }

    /// <summary>Compares each sampler step with the recorded one (host reads here are the check's, not the sampler's).</summary>
    private sealed class StepComparer(Tensor scores, Tensor projections, int stepsPerBlock, double scoreTol) : ISimplexStepObserver
    {
        public int Steps { get; private set; }

        public int ProjectionMismatches { get; private set; }

        public double MaxScoreDiff { get; private set; }

        public string? FirstMismatch { get; private set; }

        public void OnStep(int block, int timestep, Tensor equivalentScore, Tensor projected)
        {
            int index = block * stepsPerBlock + (stepsPerBlock - timestep);
            Steps++;
            if (index >= scores.shape[0])
            {
                FirstMismatch ??= $"step {index} (block {block}, t={timestep}) is beyond the {scores.shape[0]} recorded steps";
                return;
            }

            using var scope = NewDisposeScope();
            var scoreDiff = SsdLmGoldenSuite.MaxAbsDiff(equivalentScore.cpu(), scores[index]);
            var projectionDiff = SsdLmGoldenSuite.MaxAbsDiff(projected.cpu(), projections[index]);
            MaxScoreDiff = Math.Max(MaxScoreDiff, scoreDiff);
            if (projectionDiff != 0)
            {
                ProjectionMismatches++;
            }

            if ((projectionDiff != 0 || scoreDiff > scoreTol) && FirstMismatch is null)
            {
                FirstMismatch = string.Create(CultureInfo.InvariantCulture,
                    $"step {index} (block {block}, t={timestep}): max|d projected|={projectionDiff}, max|d score|={scoreDiff:E2}");
            }
        }
    }
}
