namespace DiffusionChat.Trainer.Training;

/// <summary>Linear warmup from 0 to the peak, then cosine decay to the floor at the last step.</summary>
/// <param name="Peak">Learning rate after warmup.</param>
/// <param name="Floor">Learning rate at the last step.</param>
/// <param name="WarmupSteps">Steps of linear warmup.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
internal sealed record LearningRateSchedule(double Peak, double Floor, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps - 1);
        var progress = Math.Clamp((step - WarmupSteps) / (double)decaySteps, 0, 1);
        return Floor + (0.5 * (Peak - Floor) * (1 + Math.Cos(Math.PI * progress)));
    }
}
