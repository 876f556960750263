using DiffusionChat.Sampling;
using static DiffusionChat.Tests.Masked.SamplerTestModels;

namespace DiffusionChat.Tests.Masked;

public class RemaskingStrategyTests
{
    // Position 0: two near-equal top tokens (p1 0.62, margin 0.24, low entropy).
    // Position 1: one clear token over a flat rest (p1 0.56, margin 0.50, high entropy).
    private static readonly float[] TwoWay = [6f, 5.5f, 0, 0, 0, 0, 0, 0];
    private static readonly float[] Flat = [0, 2.2f, 0, 0, 0, 0, 0, 0];

    // Position 0: three equal tokens (p1 0.33, entropy ~1.1); position 1: p1 0.39 over a flat rest (entropy ~1.85).
    private static readonly float[] ThreeWay = [3f, 3f, 3f, -20, -20, -20, -20, -20];
    private static readonly float[] Wide = [0, 1.5f, 0, 0, 0, 0, 0, 0];

    private static readonly MaskedSamplerOptions TwoSteps = new() { AnswerLength = 2, BlockLength = 2, StepsPerBlock = 2, ReportSteps = true };

    [Fact]
    public async Task Low_confidence_commits_the_most_probable_prediction_first()
    {
        var first = await FirstCommitted(FixedRows(TwoWay, Flat), RemaskingStrategy.LowConfidence);
        Assert.Equal(0, first);
    }

    [Fact]
    public async Task Top_two_margin_commits_the_largest_margin_first()
    {
        var first = await FirstCommitted(FixedRows(TwoWay, Flat), RemaskingStrategy.TopTwoMargin);
        Assert.Equal(1, first);
    }

    [Fact]
    public async Task Entropy_commits_the_lowest_entropy_position_first()
    {
        Assert.Equal(1, await FirstCommitted(FixedRows(ThreeWay, Wide), RemaskingStrategy.LowConfidence));
        Assert.Equal(0, await FirstCommitted(FixedRows(ThreeWay, Wide), RemaskingStrategy.Entropy));
    }

    [Fact]
    public async Task Low_confidence_breaks_ties_by_lowest_position()
    {
        var model = Confident(_ => 3, strength: 5);
        var options = new MaskedSamplerOptions { AnswerLength = 4, BlockLength = 4, StepsPerBlock = 4, ReportSteps = true };
        var events = new List<StepCommittedEvent>();

        await new MaskedDiffusionSampler(model).GenerateAsync(Request(options), onStep: events.Add);

        Assert.Equal([[0], [1], [2], [3]], StepPositions(events));
    }

    [Fact]
    public async Task Random_remasking_is_deterministic_per_seed_and_varies_across_seeds()
    {
        var options = new MaskedSamplerOptions { AnswerLength = 6, BlockLength = 6, StepsPerBlock = 6, Remasking = RemaskingStrategy.Random, ReportSteps = true };
        async Task<string> Order(ulong seed)
        {
            var events = new List<StepCommittedEvent>();
            await new MaskedDiffusionSampler(Confident(_ => 3)).GenerateAsync(Request(options, seed), onStep: events.Add);
            return string.Join(",", StepPositions(events).Select(p => p.Single()));
        }

        Assert.Equal(await Order(5), await Order(5));
        var orders = new HashSet<string>();
        for (ulong seed = 0; seed < 6; seed++)
        {
            orders.Add(await Order(seed));
        }

        Assert.True(orders.Count > 1, "six seeds gave the same order");
    }

    [Fact]
    public async Task Temperature_sampling_is_deterministic_per_seed()
    {
        var model = FixedRows(Enumerable.Repeat(new float[] { 1, 1.2f, 0.8f, 1, 0.5f, 1.1f, 0, 0 }, 8).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 8, BlockLength = 4, StepsPerBlock = 2, Temperature = 1.0, StopAtEndOfSequence = false };
        var sampler = new MaskedDiffusionSampler(model);

        var a = await sampler.GenerateAsync(Request(options, 11));
        var b = await sampler.GenerateAsync(Request(options, 11));
        var others = new List<IReadOnlyList<int>>();
        for (ulong s = 0; s < 4; s++)
        {
            others.Add((await sampler.GenerateAsync(Request(options, s))).Answers[0]);
        }

        Assert.Equal(a.Answers[0], b.Answers[0]);
        Assert.Contains(others, o => !o.SequenceEqual(a.Answers[0]));
        Assert.DoesNotContain((int)Mask, a.Answers[0]);
    }

    [Fact]
    public async Task Top_k_of_one_makes_temperature_sampling_greedy()
    {
        var row = new float[] { 1, 1.2f, 0.8f, 1, 0.5f, 1.1f, 0, 0 };
        var model = FixedRows(Enumerable.Repeat(row, 4).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 4, BlockLength = 4, StepsPerBlock = 2, Temperature = 5.0, TopK = 1, StopAtEndOfSequence = false };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options, 3));

        Assert.Equal([1, 1, 1, 1], result.Answers[0]);
    }

    [Fact]
    public async Task Small_top_p_keeps_only_the_most_likely_token()
    {
        var row = new float[] { 1, 1.2f, 0.8f, 1, 0.5f, 1.1f, 0, 0 };
        var model = FixedRows(Enumerable.Repeat(row, 4).ToArray());
        var options = new MaskedSamplerOptions { AnswerLength = 4, BlockLength = 4, StepsPerBlock = 2, Temperature = 5.0, TopP = 0.01, StopAtEndOfSequence = false };

        var result = await new MaskedDiffusionSampler(model).GenerateAsync(Request(options, 3));

        Assert.Equal([1, 1, 1, 1], result.Answers[0]);
    }

    private static async Task<int> FirstCommitted(ScriptedDenoiser model, RemaskingStrategy strategy)
    {
        var events = new List<StepCommittedEvent>();
        await new MaskedDiffusionSampler(model).GenerateAsync(Request(TwoSteps with { Remasking = strategy }), onStep: events.Add);
        return StepPositions(events)[0].Single();
    }
}
