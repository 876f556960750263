using TorchSharp;
using DiffusionChat.Prompting;
using DiffusionChat.Tensors;
using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class MaskedDiffusionObjectiveTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Noise_masks_only_answer_tokens_and_more_of_them_at_larger_t()
    {
        using var objective = setup.CreateMaskedObjective();
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var rows = 64;
        var ids = randint(0, 300, [rows, 100], dtype: ScalarType.Int64, generator: generator);
        var lossMask = arange(100).ge(40).unsqueeze(0).expand(rows, 100).clone(); // the last 60 tokens are the "answer"
        using var batch = new TrainingBatch(ids.clone(), lossMask.clone(), ones(rows, 100, ScalarType.Bool));

        var (clean, noisy, masked, time, _) = objective.ApplyNoise(batch, generator);
        clean.Dispose(); // rows not starting with <|im_start|> are plain text: SFT rows leave them unchanged

        Assert.False(masked.logical_and(lossMask.logical_not()).any().item<bool>());
        Assert.True(noisy.eq(setup.SpecialIds[ChatMarkers.Mask]).eq(masked).all().item<bool>());
        Assert.True(noisy.masked_select(masked.logical_not()).eq(ids.masked_select(masked.logical_not())).all().item<bool>());
        var fraction = masked.to(ScalarType.Float32).sum(1) / 60; // per row, should track t
        Assert.True((fraction - time).abs().mean().item<float>() < 0.1, "masked fraction does not follow t");
        Assert.True(time.min().item<float>() >= 1e-3 && time.max().item<float>() < 1);
    }

    [Fact]
    public void A_batch_that_chose_its_hidden_tokens_gets_exactly_those_masked_at_weight_one()
    {
        using var objective = setup.CreateMaskedObjective();
        using var scope = NewDisposeScope();
        using var batch = setup.Train.CopyBatch(seed: 4, step: 0, batchSize: 8, CPU, alternate: true);
        using var generator = new Generator(5);

        var (clean, noisy, masked, time, _) = objective.ApplyNoise(batch, generator);
        using var trained = clean.LossMask.clone();
        clean.Dispose();

        Assert.True(trained.any().item<bool>());
        Assert.True(masked.eq(trained).all().item<bool>(), "the masked positions are not the batch's trained ones");
        Assert.True(noisy.eq(setup.SpecialIds[ChatMarkers.Mask]).eq(masked).all().item<bool>());
        Assert.True(time.eq(1).all().item<bool>(), "t (and so the 1/t weight) must be 1");
    }

    [Fact]
    public void Same_generator_seed_gives_the_same_noise()
    {
        using var objective = setup.CreateMaskedObjective();
        using var scope = NewDisposeScope();
        using var batch = setup.Train.Batch(seed: 1, step: 0, batchSize: 8, CPU);
        using var first = new Generator(7);
        using var second = new Generator(7);

        var (cleanA, noisyA, _, timeA, _) = objective.ApplyNoise(batch, first);
        cleanA.Dispose();
        torch.manual_seed(12345); // the global generator must play no part
        using var unrelated = rand(100);
        var (cleanB, noisyB, _, timeB, _) = objective.ApplyNoise(batch, second);
        cleanB.Dispose();

        Assert.True(timeA.eq(timeB).all().item<bool>(), "t differs");
        Assert.True(noisyA.eq(noisyB).all().item<bool>(), "masks differ");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Denoiser_attends_in_both_directions_unless_asked_for_causal_attention(bool causal)
    {
        using var objective = setup.CreateMaskedObjective();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = objective.Denoiser;
        var a = tensor(new long[] { 5, 6, 7, 8 }, [1, 4]);
        var b = tensor(new long[] { 5, 6, 7, 9 }, [1, 4]); // only the last token differs
        var valid = ones(1, 4, ScalarType.Bool);

        var change = (model.TrainingLogits(a, valid, causal) - model.TrainingLogits(b, valid, causal)).abs().amax([0, 2]); // per position

        Assert.Equal(!causal, change[..3].gt(0).all().item<bool>()); // earlier positions see the last one only bidirectionally
        Assert.Equal(causal, change[..3].eq(0).all().item<bool>());
        Assert.True(change[3].item<float>() > 0);
    }

    [Fact]
    public void Left_to_right_copy_batches_are_trained_on_the_next_token_of_each_repeat_position()
    {
        using var objective = setup.CreateMaskedObjective();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = setup.Train.CopyBatch(seed: 4, step: 0, batchSize: 4, CPU, alternate: true, leftToRight: true);
        using var generator = new Generator(5);

        var loss = objective.Loss(batch, generator).item<float>();

        Assert.True(batch.TrainsLeftToRight && !batch.MasksEveryTrainedToken); // left to right trains the whole repeat
        var logits = objective.Denoiser.TrainingLogits(batch.InputIds, batch.Valid, causal: true);
        double total = 0;
        long count = 0;
        var (rows, width) = (batch.InputIds.shape[0], batch.InputIds.shape[1]);
        var trained = batch.LossMask.data<bool>().ToArray();
        var ids = batch.InputIds.data<long>().ToArray();
        for (long r = 0; r < rows; r++)
        {
            for (long i = 1; i < width; i++)
            {
                if (trained[(r * width) + i])
                {
                    total -= logits[r, i - 1].log_softmax(-1)[ids[(r * width) + i]].item<float>();
                    count++;
                }
            }
        }

        Assert.Equal(total / count, loss, 3);
    }

    [Fact]
    public void A_block_causal_model_is_trained_on_each_noisy_block_next_to_its_clean_prefix()
    {
        using var objective = setup.CreateMaskedObjective(shifted: true, blockSize: 4);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = setup.HeldOut.Batch(seed: 1, step: 0, batchSize: 4, CPU);
        float loss;
        using (var generator = new Generator(7))
        {
            loss = objective.Loss(batch, generator).item<float>();
        }

        using var same = new Generator(7);
        var (clean, noisy, masked, _, weight) = objective.ApplyNoise(batch, same);
        using (clean)
        {
            var blockLogits = objective.Denoiser.BlockTrainingLogits(noisy, clean.InputIds, clean.Valid);
            var noisyContext = objective.Denoiser.TrainingLogits(noisy, clean.Valid); // what a one-stream pass would train on
            Assert.Equal(WeightedNll(blockLogits), loss, 4);
            Assert.True(Math.Abs(WeightedNll(noisyContext) - loss) > 1e-3, "a one-stream pass would condition blocks on noisy earlier blocks");

            float WeightedNll(Tensor logits)
            {
                logits = logits.IndexFilled(-1, tensor(new[] { objective.Denoiser.MaskTokenId }), double.NegativeInfinity);
                var nll = -logits.log_softmax(-1).gather(-1, clean.InputIds.unsqueeze(-1)).squeeze(-1);
                return ((nll * weight).FillMasked(masked.logical_not(), 0).sum() / clean.LossMask.sum()).item<float>();
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(4)]
    public void Masked_diffusion_training_lowers_the_held_out_loss(int? blockSize)
    {
        using var objective = setup.CreateMaskedObjective(shifted: blockSize is not null, blockSize: blockSize);
        var options = setup.Options(Path.Combine(setup.Folder.FullName, "masked"), steps: 40) with { Objective = "masked", BatchSize = 8, PeakLearningRate = 5e-3, EvalEvery = 20 };
        var before = FixedHeldOutLoss(objective);

        var (_, finished) = new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);

        var after = FixedHeldOutLoss(objective);
        Assert.True(finished);
        Assert.True(after < before - 0.3, $"held-out loss {before} -> {after}");
    }

    private double FixedHeldOutLoss(ITrainingObjective objective)
    {
        using var generator = new Generator(7);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = setup.HeldOut.Batch(seed: 1, step: 0, batchSize: 8, CPU);
        return objective.Loss(batch, generator).item<float>();
    }
}
