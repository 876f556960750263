using DiffusionChat.Models;
using DiffusionChat.Sampling;
using DiffusionChat.Sampling.Mdlm;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

public class Bd3lmSamplingTests
{
    [Theory]
    [InlineData(KeyValueCacheMode.Prefix)]
    [InlineData(KeyValueCacheMode.Dual)]
    public void Caches_are_exact_for_a_block_causal_model_whose_blocks_match_the_sampler_blocks(KeyValueCacheMode cache)
    {
        // Block size 4 and a 4-token prompt: sampler blocks coincide with the model's attention blocks, so neither the
        // prefix (finished blocks) nor the suffix (masked later blocks, invisible to earlier blocks) can be stale.
        using var folder = new TempCheckpoint("mdlm-dit", c =>
        {
            c["model_type"] = "bd3lm";
            c["block_size"] = 4;
        });
        using var model = DiffusionModel.Load(folder.Directory, CPU);
        var sampler = new MaskedDiffusionSampler(model);
        var options = new MaskedSamplerOptions { AnswerLength = 12, BlockLength = 4, StepsPerBlock = 4 };
        IReadOnlyList<IReadOnlyList<int>> prompts = [[3, 17, 42, 99], [5, 6, 7, 8], [100, 1, 64, 2], [11, 22, 33, 44]];

        var exactProbabilities = new List<Tensor>();
        var cachedProbabilities = new List<Tensor>();

        var exact = sampler.Generate(new MaskedGenerationRequest(prompts, options), null, null, new CallObserver(t => exactProbabilities.Add(t.Probability.clone().DetachFromDisposeScope())), default);
        var cached = sampler.Generate(new MaskedGenerationRequest(prompts, options with { Cache = cache }), null, null, new CallObserver(t => cachedProbabilities.Add(t.Probability.clone().DetachFromDisposeScope())), default);

        Assert.Equal(exact.Answers, cached.Answers);
        Assert.Equal(exactProbabilities.Count, cachedProbabilities.Count);
        var diffs = exactProbabilities.Zip(cachedProbabilities, (a, b) =>
        {
            using var d = (a - b).abs().max();
            return d.item<double>();
        }).ToList();
        Assert.True(diffs.Max() < 1e-6, $"max |d p| per call: {string.Join(", ", diffs)}");

        exactProbabilities.Concat(cachedProbabilities).ToList().ForEach(t => t.Dispose());
    }

    [Fact]
    public void Mdlm_ancestral_sampler_is_deterministic_per_generator_seed_and_unmasks_everything()
    {
        using var model = DiffusionModel.Load(GoldenPaths.Folder("mdlm-dit"), CPU);
        using var scope = NewDisposeScope();
        var transfers = new DeviceTransfers();
        var sampler = new MdlmAncestralSampler(model, transfers);
        MdlmSample Run(ulong seed)
        {
            var gen = new Generator(seed, CPU);
            return sampler.Sample(2, 8, 16, MdlmAncestralSampler.FromGenerator(gen, model, 2, 8));
        }

        var a = Run(1);
        var b = Run(1);

        Assert.True(a.Ids.eq(b.Ids).all().item<bool>());
        Assert.False(a.Ids.eq(model.MaskTokenId).any().item<bool>());
        Assert.InRange(a.ForwardPasses, 2, 17);
        Assert.Equal(2 * 16, transfers.Reads); // one "did anything change" flag per step, two runs
    }
}
