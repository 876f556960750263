using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using static TorchSharp.torch;

namespace DiffusionChat.Trainer.Training;

/// <summary>
/// The training loop: seeded batches, loss, backward, gradient clipping, AdamW with warmup + cosine schedule, held-out
/// evaluation, periodic resumable checkpoints, progress (loss, tokens/s, ETA) and a CSV loss log.
/// </summary>
/// <remarks>Each step runs inside its own dispose scope, so native memory stays flat over any number of steps.</remarks>
internal sealed class TrainingRun
{
    private const int HeldOutBatches = 4;

    private readonly TrainingOptions options;
    private readonly ITrainingObjective objective;
    private readonly TokenizedCorpus train;
    private readonly TokenizedCorpus heldOut;
    private readonly Device device;
    private readonly IAnsiConsole console;
    private readonly CopySchedule copySchedule;

    /// <summary>Prepares a run; <paramref name="console"/> (default: the process console) shows progress.</summary>
    public TrainingRun(TrainingOptions options, ITrainingObjective objective, TokenizedCorpus train, TokenizedCorpus heldOut, Device device, IAnsiConsole? console = null)
    {
        this.console = console ?? AnsiConsole.Console;
        this.options = options;
        this.objective = objective;
        this.train = train;
        this.heldOut = heldOut;
        this.device = device;
        copySchedule = CopySchedule.For(options);
    }

    /// <summary>Trains until the last step, the time limit, or cancellation (each ends with a checkpoint).</summary>
    /// <returns>The loss history and whether all steps were done.</returns>
    public (List<TrainingLogEntry> History, bool Finished) Run(CancellationToken cancellationToken)
    {
        var named = objective.Model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var optimizer = new AdamW(named, weightDecay: options.WeightDecay);
        using var generator = new Generator((ulong)options.Seed + 1, device);
        var schedule = new LearningRateSchedule(options.PeakLearningRate, options.MinLearningRate, options.WarmupSteps, options.Steps);

        var state = new TrainingCheckpoint.State(0, 0, objective.Name, options.Seed, []);
        if (options.Resume && TrainingCheckpoint.Exists(options.CheckpointFolder))
        {
            state = TrainingCheckpoint.Load(options.CheckpointFolder, objective, optimizer, generator, options.Seed);
            console.MarkupLine($"[grey]resumed from step {state.Step} ({options.CheckpointFolder})[/]");
        }
        else if (options.InitFrom is not null)
        {
            // Weights only: the optimizer's moments and the schedule start fresh, as for any fine-tuning run.
            TrainingCheckpoint.LoadWeights(options.InitFrom, objective);
            console.MarkupLine($"[grey]initialised from {options.InitFrom}[/]");
        }

        Directory.CreateDirectory(options.OutputFolder);
        var logPath = Path.Combine(options.OutputFolder, "train-log.csv");
        if (state.Step == 0)
        {
            File.WriteAllText(logPath, "step,train_loss,heldout_loss,learning_rate,tokens_per_second,elapsed_seconds\n");
        }

        var clock = Stopwatch.StartNew();
        var elapsedBefore = state.History.LastOrDefault()?.ElapsedSeconds ?? 0;
        var step = state.Step;
        var startStep = step;
        var lossSum = 0.0;
        var lossCount = 0;
        var copyLossSum = 0.0; // copy steps after the warm-up, kept apart so train_loss stays the chat/text loss
        var copyLossCount = 0;
        var lastLogTime = 0.0;
        var lastLogStep = step;
        var interactive = console.Profile.Capabilities.Interactive;
        objective.Model.train();

        void Checkpoint() =>
            TrainingCheckpoint.Save(options.CheckpointFolder, objective, optimizer, generator, state with { Step = step, OptimizerSteps = optimizer.Steps });

        var finished = false;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"{objective.Name}: starting", maxValue: options.Steps);
                task.Value = step;
                while (step < options.Steps)
                {
                    if (cancellationToken.IsCancellationRequested
                        || (options.TimeLimitMinutes > 0 && clock.Elapsed.TotalMinutes >= options.TimeLimitMinutes)
                        || (options.MaxStepsThisRun > 0 && step - startStep >= options.MaxStepsThisRun))
                    {
                        break;
                    }

                    var learningRate = schedule.At(step);
                    var copyStep = copySchedule.IsCopyStep(step);
                    var stepLoss = TrainStep(optimizer, generator, step, learningRate, copyStep);
                    if (copyStep && copySchedule.IsAfterWarmup(step))
                    {
                        copyLossSum += stepLoss;
                        copyLossCount++;
                    }
                    else
                    {
                        lossSum += stepLoss;
                        lossCount++;
                    }

                    step++;
                    task.Value = step;

                    if (step % options.EvalEvery == 0 || step == options.Steps)
                    {
                        Log(learningRate);
                    }

                    if (step % options.CheckpointEvery == 0)
                    {
                        Checkpoint();
                    }
                }

                finished = step >= options.Steps;
                if (lossCount + copyLossCount > 0)
                {
                    Log(schedule.At(step - 1)); // stopped between evaluations: still record where it got to
                }

                void Log(double learningRate)
                {
                    var now = clock.Elapsed.TotalSeconds;
                    var tokensPerSecond = (step - lastLogStep) * (double)options.BatchSize * options.Context / Math.Max(1e-9, now - lastLogTime);
                    var trainLoss = lossCount > 0 ? lossSum / lossCount : copyLossSum / copyLossCount;
                    var entry = new TrainingLogEntry(step, trainLoss, HeldOutLoss(), learningRate, tokensPerSecond, elapsedBefore + now);
                    state.History.Add(entry);
                    File.AppendAllText(logPath, string.Create(CultureInfo.InvariantCulture,
                        $"{entry.Step},{entry.TrainLoss:F4},{entry.HeldOutLoss:F4},{entry.LearningRate:E3},{entry.TokensPerSecond:F0},{entry.ElapsedSeconds:F1}\n"));
                    var copyPart = copyLossCount > 0 ? string.Create(CultureInfo.InvariantCulture, $" copy {copyLossSum / copyLossCount:F3}") : "";
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{objective.Name}: step {step} loss {entry.TrainLoss:F3}{copyPart} held-out {entry.HeldOutLoss:F3} {tokensPerSecond:F0} tok/s");
                    if (!interactive)
                    {
                        console.WriteLine(task.Description);
                    }

                    (lossSum, lossCount, copyLossSum, copyLossCount, lastLogTime, lastLogStep) = (0, 0, 0, 0, now, step);
                }
            });

        Checkpoint();
        cancellationToken.ThrowIfCancellationRequested();
        return (state.History, finished);
    }

    private double TrainStep(AdamW optimizer, Generator generator, long step, double learningRate, bool copyStep)
    {
        using var scope = NewDisposeScope();
        using var batch = copyStep
            ? train.CopyBatch(options.Seed, step, options.BatchSize, device, options.CopyAlternate, leftToRight: copySchedule.IsLeftToRight(step), lookupShare: options.LookupShare)
            : train.Batch(options.Seed, step, options.BatchSize, device, objective.ChatRowPadding) with { MayMaskBlockWise = true };
        var loss = objective.Loss(batch, generator);
        if (!loss.requires_grad)
        {
            throw new InvalidOperationException($"The {objective.Name} loss at step {step} has no gradient graph (gradient recording is off on this thread).");
        }

        optimizer.ZeroGrad();
        loss.backward();
        nn.utils.clip_grad_norm_(optimizer.Parameters, options.GradientClip);
        optimizer.Step(learningRate);
        var value = loss.item<float>();
        if (!float.IsFinite(value))
        {
            throw new InvalidOperationException($"Loss became {value} at step {step}; lower --lr (now peak {options.PeakLearningRate}).");
        }

        return value;
    }

    private double HeldOutLoss()
    {
        // A separate generator with a fixed seed keeps evaluation from shifting the training noise stream.
        using var evalGenerator = new Generator((ulong)options.Seed + 2, device);
        using var noGrad = no_grad();
        objective.Model.eval();
        try
        {
            var total = 0.0;
            for (var i = 0; i < HeldOutBatches; i++)
            {
                using var scope = NewDisposeScope();
                using var batch = heldOut.Batch(options.Seed + 1, i, options.BatchSize, device, objective.ChatRowPadding);
                total += objective.Loss(batch, evalGenerator).item<float>();
            }

            return total / HeldOutBatches;
        }
        finally
        {
            objective.Model.train();
        }
    }
}
