using DiffusionChat.Checkpoints;
using DiffusionChat.Trainer.Training;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class CopyScheduleTests
{
    [Fact]
    public void Every_warm_up_step_is_a_copy_step_and_without_a_share_no_later_step_is()
    {
        var schedule = new CopySchedule(seed: 1234, warmupSteps: 1100, leftToRightSteps: 750);

        Assert.All(Enumerable.Range(0, 1100), step => Assert.True(schedule.IsCopyStep(step)));
        Assert.All(Enumerable.Range(1100, 5000), step => Assert.False(schedule.IsCopyStep(step))); // runs without --copy-share are unchanged
        Assert.All(Enumerable.Range(0, 750), step => Assert.True(schedule.IsLeftToRight(step)));
        Assert.All(Enumerable.Range(750, 1000), step => Assert.False(schedule.IsLeftToRight(step)));
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void After_the_warm_up_the_share_of_copy_steps_is_the_one_asked_for_and_spread_over_the_run(double share)
    {
        var schedule = new CopySchedule(seed: 1234, warmupSteps: 100, laterShare: share);
        var later = Enumerable.Range(100, 20_000).Select(step => schedule.IsCopyStep(step)).ToArray();

        Assert.InRange(later.Count(c => c), (share - 0.015) * later.Length, (share + 0.015) * later.Length);
        // Spread: every quarter of the run gets its share, not one stretch of copy steps.
        Assert.All(later.Chunk(5_000), quarter => Assert.InRange(quarter.Count(c => c), (share - 0.03) * 5_000, (share + 0.03) * 5_000));
    }

    [Fact]
    public void The_copy_steps_are_a_function_of_seed_and_step_so_a_resumed_run_draws_the_same_ones()
    {
        static bool[] Steps(int seed) => Enumerable.Range(0, 4000).Select(step => new CopySchedule(seed, 10, laterShare: 0.25).IsCopyStep(step)).ToArray();

        Assert.Equal(Steps(1234), Steps(1234));
        Assert.NotEqual(Steps(1234), Steps(1235));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void A_share_outside_zero_to_one_is_rejected_with_the_value(double share)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CopySchedule(1, 10, laterShare: share));

        Assert.Equal("laterShare", error.ParamName);
        Assert.Contains("[0, 1)", error.Message, StringComparison.Ordinal);
        Assert.Equal(share, error.ActualValue);
    }

    [Fact]
    public void A_copy_share_without_a_copy_warm_up_is_rejected_with_the_reason()
    {
        var options = new TrainingOptions { Objective = "masked", OutputFolder = "out", TokenizerFolder = "tok", CopyShare = 0.25 };

        var error = Assert.Throws<ArgumentException>(options.ValidateObjectiveOptions);

        Assert.Contains("--copy-share 0.25", error.Message, StringComparison.Ordinal);
        Assert.Contains("--copy-warmup-steps", error.Message, StringComparison.Ordinal);
        (options with { CopyWarmupSteps = 100 }).ValidateObjectiveOptions();
    }

    [Fact]
    public void A_run_with_a_copy_share_trains_copy_rows_after_the_warm_up_and_a_run_without_one_does_not()
    {
        Assert.Contains(Enumerable.Range(1, 5), step => new CopySchedule(seed: 9, warmupSteps: 1, laterShare: 0.5).IsCopyStep(step)); // the tiny run's seed draws some
        using var setup = new TinyTrainingSetup();
        using var none = Train(setup, "none", share: 0);
        using var same = Train(setup, "same", share: 0);
        using var shared = Train(setup, "shared", share: 0.5);

        foreach (var name in none.TensorNames)
        {
            using var a = none.Load(name);
            using var b = same.Load(name);
            Assert.True(a.eq(b).all().item<bool>(), $"tensor {name}: two runs without a share differ");
        }

        Assert.Contains(none.TensorNames, name =>
        {
            using var a = none.Load(name);
            using var c = shared.Load(name);
            return !a.eq(c).all().item<bool>();
        });
    }

    private static CheckpointFolder Train(TinyTrainingSetup setup, string name, double share)
    {
        var folder = Path.Combine(setup.Folder.FullName, name);
        using var objective = setup.CreateObjective();
        var options = setup.Options(folder, steps: 6) with { CopyWarmupSteps = 1, CopyShare = share };
        new TrainingRun(options, objective, setup.Train, setup.HeldOut, CPU, TinyTrainingSetup.QuietConsole()).Run(CancellationToken.None);
        return CheckpointFolder.Open(Path.Combine(folder, "checkpoint"));
    }
}
