namespace DiffusionChat.Trainer.Training;

/// <summary>One logged point of the loss curve.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="TrainLoss">Mean training loss over the steps since the previous entry.</param>
/// <param name="HeldOutLoss">Loss on the fixed held-out batches, when evaluated at this step.</param>
/// <param name="LearningRate">Learning rate of the last step.</param>
/// <param name="TokensPerSecond">Row tokens (batch x context) processed per second since the previous entry.</param>
/// <param name="ElapsedSeconds">Training time so far (this process plus resumed ones).</param>
internal sealed record TrainingLogEntry(long Step, double TrainLoss, double? HeldOutLoss, double LearningRate, double TokensPerSecond, double ElapsedSeconds);
