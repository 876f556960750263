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
        using var generator = new Generator(1);
        void Step(long step)
        {
            using var scope = NewDisposeScope();
            using var batch = setup.Train.Batch(seed: 1, step, batchSize: 2, CPU);
            objective.Loss(batch, generator).backward();
        }

        Step(0); // creates the gradient tensors, which live as long as the parameters
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var step = 1; step <= 10; step++)
        {
            Step(step);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
