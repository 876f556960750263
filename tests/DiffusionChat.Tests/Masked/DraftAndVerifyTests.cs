using DiffusionChat.Models;
using DiffusionChat.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Masked;

/// <summary>
/// Draft and verify on a tiny random block-causal LLaDA (attention blocks of 4, <c>shift_logits</c>): whatever the
/// drafts, the answer is the one one-token-per-step decoding writes, and a pass never commits less than one token.
/// </summary>
public sealed class DraftAndVerifyTests : IDisposable
{
    private static readonly int[][] Prompts =
    [
        [101, 102, 103, 104, 105, 106, 107, 108],
        [201, 202, 203, 204, 205, 206, 207],
        [301, 302],
        [401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413],
    ];

    private readonly TinyBlockCausalFolder folder = new();
    private readonly IMaskedDenoiser model;

    public DraftAndVerifyTests() => model = DiffusionModel.Load(folder.Directory, CPU);

    public void Dispose()
    {
        model.Dispose();
        folder.Dispose();
    }

    private static MaskedSamplerOptions OneTokenPerStep(int answerLength, bool draft, bool stop = false, IReadOnlyList<int>? stopIds = null) => new()
    {
        AnswerLength = answerLength, BlockLength = 1, StepsPerBlock = 1, DraftAndVerify = draft, StopAtEndOfSequence = stop, AdditionalStopTokenIds = stopIds ?? [],
    };

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(24)]
    public void Each_row_alone_and_batched_writes_what_one_token_per_step_writes(int answerLength)
    {
        var sampler = new BlockCausalSampler(model);
        var reference = sampler.Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(answerLength, draft: false)), null, null, default);

        var batched = sampler.Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(answerLength, draft: true)), null, null, default);
        var alone = Prompts.Select(p => sampler.Generate(new MaskedGenerationRequest([p], OneTokenPerStep(answerLength, draft: true)), null, null, default)).ToList();

        for (int r = 0; r < Prompts.Length; r++)
        {
            Assert.Equal(reference.Answers[r], batched.Answers[r]);
            Assert.Equal(reference.Answers[r], alone[r].Answers[0]);
            Assert.InRange(alone[r].ForwardPasses, 1, answerLength);
        }

        Assert.InRange(batched.ForwardPasses, 1, reference.ForwardPasses);
    }

    [Fact]
    public void A_stop_id_ends_the_row_where_one_token_per_step_ends_it()
    {
        var sampler = new BlockCausalSampler(model);
        var free = sampler.Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(24, draft: false)), null, null, default);
        // Stop at a token every row writes somewhere after its first few tokens.
        var stopIds = free.Answers.Select(a => a[Math.Min(5, a.Count - 1)]).Distinct().ToList();

        var reference = sampler.Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(24, draft: false, stop: true, stopIds)), null, null, default);
        var drafted = sampler.Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(24, draft: true, stop: true, stopIds)), null, null, default);

        Assert.Equal(reference.Answers, drafted.Answers);
        Assert.Equal(reference.FinishReasons, drafted.FinishReasons);
        Assert.Contains(GenerationFinishReason.EndOfSequence, drafted.FinishReasons);
    }

    [Fact]
    public void Streamed_blocks_carry_the_answer_in_order()
    {
        var blocks = new List<TokensCommitted>();
        var result = new BlockCausalSampler(model).Generate(new MaskedGenerationRequest(Prompts, OneTokenPerStep(13, draft: true)), blocks.Add, null, default);

        for (int r = 0; r < Prompts.Length; r++)
        {
            var streamed = blocks.Where(b => b.Row == r).OrderBy(b => b.Block).SelectMany(b => b.Tokens).ToList();
            Assert.Equal(result.Answers[r], streamed);
        }
    }

    [Fact]
    public void Other_schedules_are_refused_with_the_allowed_values()
    {
        var options = OneTokenPerStep(8, draft: true) with { BlockLength = 4, StepsPerBlock = 4 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new BlockCausalSampler(model).Generate(new MaskedGenerationRequest(Prompts, options), null, null, default));

        Assert.Contains("BlockLength 1 and StepsPerBlock 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampling_at_a_temperature_decodes_one_token_per_pass_as_without_drafts()
    {
        var options = OneTokenPerStep(12, draft: false) with { Temperature = 0.8 };
        var sampler = new BlockCausalSampler(model);

        var plain = sampler.Generate(new MaskedGenerationRequest(Prompts, options, Seed: 5), null, null, default);
        var drafted = sampler.Generate(new MaskedGenerationRequest(Prompts, options with { DraftAndVerify = true }, Seed: 5), null, null, default);

        Assert.Equal(plain.Answers, drafted.Answers);
        Assert.Equal(plain.ForwardPasses, drafted.ForwardPasses);
    }

    [Fact]
    public void Repeated_decoding_leaves_no_live_tensors_behind()
    {
        // Rows ending early (stop ids, a stop request, budgets) exercise the compaction of canvas, cache and drafts.
        var sampler = new BlockCausalSampler(model);
        var requests = new[]
        {
            new MaskedGenerationRequest(Prompts, OneTokenPerStep(12, draft: true) with { ReportSteps = true }) { StopRequested = row => row == 1 },
            new MaskedGenerationRequest(Prompts, OneTokenPerStep(9, draft: true, stop: true, stopIds: [1138, 2053])),
            new MaskedGenerationRequest([Prompts[2]], OneTokenPerStep(5, draft: true)),
        };
        SamplerRequests.AssertNoLiveTensorsLeft(sampler, requests);
    }
}
