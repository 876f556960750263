using DiffusionChat.Trainer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Training;

public sealed class TrainingMemoryTests : IDisposable
{
    private readonly TinyTrainingSetup setup = new();

    public void Dispose() => setup.Dispose();

    [Fact]
    public void Training_steps_leave_no_live_tensors_behind()
    {
        using var objective = setup.CreateMaskedObjective();

        AssertStepsLeaveNoLiveTensors(objective, setup.Train);
    }

    /// <summary>
    /// Ten loss + backward steps, each in a dispose scope as the trainer runs them, leave exactly the tensors alive
    /// that the first step left (its gradients live as long as the parameters); <paramref name="more"/> runs in the
    /// measured window too.
    /// </summary>
    internal static void AssertStepsLeaveNoLiveTensors(ITrainingObjective objective, TokenizedCorpus train, Action? more = null)
    {
        using var generator = new Generator(1);
        void Step(long step)
        {
            using var scope = NewDisposeScope();
            using var batch = train.Batch(seed: 1, step, batchSize: 2, CPU);
            objective.Loss(batch, generator).backward();
        }

        Step(0);
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var step = 1; step <= 10; step++)
        {
            Step(step);
        }

        more?.Invoke();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
