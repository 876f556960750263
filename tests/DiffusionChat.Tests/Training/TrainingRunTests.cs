using DiffusionChat.Checkpoints;
using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class TrainingRunTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Training_lowers_the_loss()
    {
        using var objective = setup.CreateObjective();
        var options = setup.Options(Path.Combine(setup.Folder.FullName, "run"), steps: 30) with { PeakLearningRate = 1e-2, EvalEvery = 10 };

        var (history, finished) = new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);

        Assert.True(finished);
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss - 0.5, $"train loss {history[0].TrainLoss} -> {history[^1].TrainLoss}");
        Assert.True(history[^1].HeldOutLoss < history[0].HeldOutLoss, $"held-out loss {history[0].HeldOutLoss} -> {history[^1].HeldOutLoss}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)] // copy steps drawn after the warm-up: the resumed process must draw the same ones
    public void Resumed_run_ends_with_exactly_the_weights_of_an_uninterrupted_run(double copyShare)
    {
        TrainingOptions Options(string folder) => setup.Options(folder, 6) with { CopyWarmupSteps = copyShare > 0 ? 1 : 0, CopyShare = copyShare };
        var straightFolder = Path.Combine(setup.Folder.FullName, "straight");
        var resumedFolder = Path.Combine(setup.Folder.FullName, "resumed");
        using (var objective = setup.CreateObjective())
        {
            new TrainingRun(Options(straightFolder), objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        using (var objective = setup.CreateObjective())
        {
            var (_, finished) = new TrainingRun(Options(resumedFolder) with { MaxStepsThisRun = 3 }, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
            Assert.False(finished);
        }

        using (var objective = setup.CreateObjective(seed: 2))
        {
            // A differently initialised model: every weight must come from the checkpoint.
            var (history, finished) = new TrainingRun(Options(resumedFolder) with { Resume = true }, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
            Assert.True(finished);
            Assert.Equal([2L, 3L, 4L, 6L], history.Select(h => h.Step)); // 3: where the first process stopped
        }

        using var straight = CheckpointFolder.Open(Path.Combine(straightFolder, "checkpoint"));
        using var resumed = CheckpointFolder.Open(Path.Combine(resumedFolder, "checkpoint"));
        Assert.Equal(straight.TensorNames.Order(), resumed.TensorNames.Order());
        foreach (var name in straight.TensorNames)
        {
            using var a = straight.Load(name);
            using var b = resumed.Load(name);
            Assert.True(a.eq(b).all().item<bool>(), $"tensor {name} differs after resuming");
        }
    }

    [Fact]
    public void A_run_initialised_from_a_model_folder_starts_from_its_weights_not_random_ones()
    {
        var source = Path.Combine(setup.Folder.FullName, "source");
        using (var objective = setup.CreateObjective())
        {
            new TrainingRun(setup.Options(source, 2) with { PeakLearningRate = 1e-2 }, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        // Learning rate 0: the one step changes nothing, so the weights after it are the ones the run started from.
        var tuned = Path.Combine(setup.Folder.FullName, "tuned");
        using (var objective = setup.CreateObjective(seed: 2))
        {
            var options = setup.Options(tuned, 1) with { InitFrom = Path.Combine(source, "checkpoint"), PeakLearningRate = 0, MinLearningRate = 0 };
            new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        using var expected = CheckpointFolder.Open(Path.Combine(source, "checkpoint"));
        using var actual = CheckpointFolder.Open(Path.Combine(tuned, "checkpoint"));
        foreach (var name in expected.TensorNames)
        {
            using var a = expected.Load(name);
            using var b = actual.Load(name);
            Assert.True(a.eq(b).all().item<bool>(), $"tensor {name} is not the source model's");
        }
    }

    [Fact]
    public void Resuming_a_checkpoint_of_another_seed_is_refused()
    {
        var folder = Path.Combine(setup.Folder.FullName, "seeded");
        using (var objective = setup.CreateObjective())
        {
            new TrainingRun(setup.Options(folder, 2), objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        }

        using var other = setup.CreateObjective();
        var ex = Assert.Throws<InvalidDataException>(() =>
            new TrainingRun(setup.Options(folder, 4) with { Resume = true, Seed = 10 }, other, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None));

        Assert.Contains("seed 9", ex.Message, StringComparison.Ordinal);
    }
}
