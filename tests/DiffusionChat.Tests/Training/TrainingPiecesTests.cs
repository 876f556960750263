using DiffusionChat.Checkpoints;
using DiffusionChat.Prompting;
using DiffusionChat.Trainer.Checkpoints;
using DiffusionChat.Trainer.Data;
using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class TrainingPiecesTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var schedule = new LearningRateSchedule(Peak: 1e-3, Floor: 1e-4, WarmupSteps: 10, TotalSteps: 110);

        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(5e-4, schedule.At(4), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(5.5e-4, schedule.At(10 + 49) + 0.0, 4);
        Assert.Equal(1e-4, schedule.At(109), 12);
    }

    [Fact]
    public void Only_assistant_span_tokens_are_trained_on_in_chat_rows()
    {
        var example = new InstructionSetGenerator(DataSplit.Train, seed: 1).Generate(20).First(e => e.Category == "weather");
        var rendered = example.Render();

        var (ids, trained) = TokenizedCorpus.Tokenize(setup.Tokenizer, rendered);

        var trainedText = string.Concat(ids.Select((id, i) => trained[i] ? setup.Tokenizer.Decode([id]) : "|"));
        var expected = string.Join("|", rendered.AssistantSpans.Select(s => rendered.Text[s]));
        Assert.Equal(expected, string.Join("|", trainedText.Split('|', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(rendered.Text, setup.Tokenizer.Decode(ids));
    }

    [Fact]
    public void Batches_are_a_function_of_seed_and_step()
    {
        using var a = setup.Train.Batch(seed: 1, step: 7, batchSize: 4, CPU);
        using var b = setup.Train.Batch(seed: 1, step: 7, batchSize: 4, CPU);

        Assert.True(Same(a, b));
        // Other steps give other batches (two text batches of the tiny, periodic test text may coincide, so several).
        Assert.Contains(Enumerable.Range(8, 6), step =>
        {
            using var c = setup.Train.Batch(seed: 1, step, batchSize: 4, CPU);
            return !Same(a, c);
        });
    }

    [Fact]
    public void Copy_rows_repeat_a_text_span_and_train_only_the_repeat_after_its_first_token()
    {
        using var batch = setup.Train.CopyBatch(seed: 2, step: 5, batchSize: 6, CPU);
        using var again = setup.Train.CopyBatch(seed: 2, step: 5, batchSize: 6, CPU);
        var ids = batch.InputIds.data<long>().ToArray();
        var trained = batch.LossMask.data<bool>().ToArray();
        var valid = batch.Valid.data<bool>().ToArray();
        int width = (int)batch.InputIds.shape[1];

        Assert.True(Same(batch, again));
        for (int row = 0; row < 6; row++)
        {
            var r = Enumerable.Range(row * width, width).ToArray();
            int length = r.Count(i => valid[i]);
            int firstTrained = r.First(i => trained[i]) - (row * width);
            int span = r.Count(i => trained[i]) + 1; // the repeat's first token is not trained
            int repeat = firstTrained - 1;
            Assert.Equal(length, repeat + span); // the repeat ends the row
            Assert.InRange(span, 8, TokenizedCorpus.CopySpanMax);
            Assert.Equal(ids[(row * width)..((row * width) + span)], ids[((row * width) + repeat)..((row * width) + repeat + span)]);
            Assert.All(r.Where(i => i - (row * width) < repeat), i => Assert.False(trained[i]));
        }

        Assert.Equal(trained.Count(t => t), batch.TrainedTokens);
        Assert.False(batch.MasksEveryTrainedToken);
    }

    [Fact]
    public void Alternate_copy_rows_train_every_other_repeat_token_so_each_has_untrained_neighbours()
    {
        using var batch = setup.Train.CopyBatch(seed: 2, step: 5, batchSize: 16, CPU, alternate: true);
        var ids = batch.InputIds.data<long>().ToArray();
        var trained = batch.LossMask.data<bool>().ToArray();
        var valid = batch.Valid.data<bool>().ToArray();
        int width = (int)batch.InputIds.shape[1];

        Assert.True(batch.MasksEveryTrainedToken);
        var phases = new HashSet<int>();
        for (int row = 0; row < 16; row++)
        {
            int start = row * width, length = Enumerable.Range(start, width).Count(i => valid[i]);
            int span = Enumerable.Range(8, TokenizedCorpus.CopySpanMax - 7).Last(s => 2 * s <= length
                && ids[start..(start + s)].SequenceEqual(ids[(start + length - s)..(start + length)])); // A ... A ends the row
            int repeat = start + length - span;
            var picked = Enumerable.Range(start, width).Where(i => trained[i]).ToArray();
            Assert.All(picked, i => Assert.InRange(i, repeat + 1, start + length - 1)); // inside the repeat, never its first token
            Assert.All(picked, i => Assert.False(trained[i - 1] || (i + 1 < trained.Length && trained[i + 1]))); // both neighbours visible
            Assert.InRange(picked.Length, ((span - 1) / 2) - 1, ((span - 1) / 2) + 1); // every other one
            phases.Add((picked[0] - repeat) % 2);
        }

        Assert.Equal(2, phases.Count); // both phases occur, so no position of the repeat is never trained
        Assert.Equal(trained.Count(t => t), batch.TrainedTokens);
    }

    [Theory]
    [InlineData("masked", 100, 200, false, "--copy-left-to-right-steps 200 must not exceed --copy-warmup-steps 100")]
    [InlineData("ar", 100, 0, true, "apply to --objective masked only (got 'ar'")]
    [InlineData("simplex", 100, 50, false, "apply to --objective masked only (got 'simplex'")]
    [InlineData("ar", 0, 0, false, "--sampler-threshold, --certainty-weight and --attention-block apply to --objective masked only (got 'ar'", 0.5)]
    [InlineData("simplex", 0, 0, false, "--sampler-threshold, --certainty-weight and --attention-block apply to --objective masked only (got 'simplex'", 0, 0.5)]
    [InlineData("masked", 0, 0, false, "--block-wise-share and --prefix-share are alternative maskings; give one of them (got 0.5 and 0.25)", 0.5, 0.25)]
    [InlineData("ar", 0, 0, false, "--sampler-threshold, --certainty-weight and --attention-block apply to --objective masked only (got 'ar'", 0, 0, 2)]
    [InlineData("ar", 0, 0, false, "--sampler-threshold, --certainty-weight and --attention-block apply to --objective masked only (got 'ar'", 0, 0, 4, 4)]
    [InlineData("masked", 0, 0, false, "--sampler-block 3 must divide the 64-token answer window (1, 2, 4, 8, 16, 32 or 64)", 0, 0, 3)]
    [InlineData("masked", 0, 0, false, "--sampler-block 0 must divide the 64-token answer window", 0, 0, 0)]
    [InlineData("masked", 0, 0, false, "--attention-block -1 must be a positive block length, or 0 for bidirectional attention", 0, 0, 4, -1)]
    public void Copy_warm_up_and_masked_only_options_that_would_be_ignored_are_rejected_with_the_reason(string objective, int warmup, int leftToRight, bool tie, string message, double blockWise = 0, double prefix = 0, int samplerBlock = 4, int attentionBlock = 0)
    {
        var options = new TrainingOptions { Objective = objective, OutputFolder = "out", TokenizerFolder = "tok", CopyWarmupSteps = warmup, CopyLeftToRightSteps = leftToRight, TieEmbeddings = tie, BlockWiseShare = blockWise, PrefixShare = prefix, SamplerBlock = samplerBlock, AttentionBlock = attentionBlock };

        var error = Assert.Throws<ArgumentException>(options.ValidateObjectiveOptions);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        (options with { Objective = "masked", CopyLeftToRightSteps = Math.Min(leftToRight, warmup), PrefixShare = blockWise > 0 ? 0 : prefix, SamplerBlock = 2, AttentionBlock = Math.Max(attentionBlock, 0) }).ValidateObjectiveOptions(); // the shipped combination is fine
    }

    [Theory]
    [InlineData("ar", 0.5, null)]
    [InlineData("simplex", 0.0, 0.9)]
    public void Certainty_forcing_and_a_sampler_threshold_are_refused_outside_the_masked_objective(string objective, double certainty, double? threshold)
    {
        var options = new TrainingOptions { Objective = objective, OutputFolder = "out", TokenizerFolder = "tok", CertaintyWeight = certainty, SamplerThreshold = threshold };

        var error = Assert.Throws<ArgumentException>(options.ValidateObjectiveOptions);

        Assert.Contains("--certainty-weight and --attention-block apply to --objective masked only", error.Message, StringComparison.Ordinal);
        (options with { Objective = "masked" }).ValidateObjectiveOptions();
    }

    private static bool Same(TrainingBatch x, TrainingBatch y) =>
        x.InputIds.shape.SequenceEqual(y.InputIds.shape) && x.InputIds.eq(y.InputIds).all().item<bool>();

    [Fact]
    public void A_batch_is_all_text_or_all_chats_and_chat_batches_are_only_as_wide_as_their_longest_chat_plus_padding()
    {
        var widths = new List<long>();
        int textBatches = 0;
        for (int step = 0; step < 40; step++)
        {
            using var batch = setup.Train.Batch(seed: 3, step, batchSize: 4, CPU, chatRowPadding: 5);
            using var scope = NewDisposeScope();
            bool isText = batch.Valid.all().item<bool>() && batch.InputIds.shape[1] == TinyTrainingSetup.Context && batch.LossMask.all().item<bool>();
            if (isText)
            {
                textBatches++;
                continue;
            }

            var chatLengths = batch.Valid.sum(1).data<long>().ToArray();
            Assert.Equal(Math.Min(TinyTrainingSetup.Context, chatLengths.Max() + 5), batch.InputIds.shape[1]);
            Assert.All(Enumerable.Range(0, 4), r => Assert.Equal(SpecialId("<|im_start|>"), batch.InputIds[r, 0].item<long>()));
            widths.Add(batch.InputIds.shape[1]);
        }

        Assert.InRange(textBatches, 2, 20); // text fraction 0.25 of 40 batches
        Assert.True(widths.Distinct().Count() > 1, "chat batch widths should follow their longest chat");
    }

    private long SpecialId(string token) => setup.SpecialIds[token];

    [Fact]
    public void Batch_seeds_do_not_depend_on_the_process()
    {
        // Fixed values: a per-process randomised hash here would make resumed runs see other data.
        Assert.Equal(TokenizedCorpus.BatchSeed(1234, 0), TokenizedCorpus.BatchSeed(1234, 0));
        Assert.Equal(912_902_665, TokenizedCorpus.BatchSeed(1234, 7)); // computed independently (SplitMix64 finaliser)
        Assert.NotEqual(TokenizedCorpus.BatchSeed(1234, 7), TokenizedCorpus.BatchSeed(1234, 8));
        Assert.NotEqual(TokenizedCorpus.BatchSeed(1234, 7), TokenizedCorpus.BatchSeed(1235, 7));
    }

    [Fact]
    public void Autoregressive_loss_is_the_mean_cross_entropy_of_masked_targets_only()
    {
        using var objective = setup.CreateObjective();
        using var scope = NewDisposeScope();
        using var generator = new Generator(0);
        var ids = tensor(new long[] { 5, 9, 13, 21, 34, 55 }, [1, 6]);
        var mask = tensor(new[] { false, false, true, false, true, false }, [1, 6]);
        using var batch = new TrainingBatch(ids.clone(), mask.clone(), ones(1, 6, ScalarType.Bool));

        var loss = objective.Loss(batch, generator).item<float>();

        var logits = ((Models.Autoregressive.LlamaForCausalLM)objective.Model).forward(ids);
        var logProbs = logits.log_softmax(-1);
        var expected = -(logProbs[0, 1, 13].item<float>() + logProbs[0, 3, 34].item<float>()) / 2;
        Assert.Equal(expected, loss, 4);
    }
}
