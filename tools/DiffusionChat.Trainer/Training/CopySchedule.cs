namespace DiffusionChat.Trainer.Training;

/// <summary>
/// Which training steps draw copy rows (<see cref="TokenizedCorpus.CopyBatch"/>) instead of chat and text rows, and in
/// which form: every step of the copy warm-up, then a fixed share of the later steps.
/// </summary>
/// <remarks>
/// Why the later share: after the warm-up the masked model copied random tokens at a loss of ~0.1, but after 2,700 chat
/// steps its loss on the same copy rows was back at 7.1 (chance is ln 3,072 = 8.0; measured in session 8 by resuming the
/// session-6 run at learning rate 1e-9 on copy rows): the chat rows alone do not keep the induction mechanism that
/// copying a held-out place name needs, so some copy rows have to stay in the mix. Measured in session 8
/// (docs/training.md): with a share of 0.25 (0.1 for the last 500 steps) the masked model copied the place in 61 of 84
/// held-out calls, not 36, but picked the tool listed nearest (hence tools in random order in training). A pure
/// function of (seed, step), so a resumed run draws the same steps.
/// </remarks>
internal sealed class CopySchedule
{
    private readonly int warmupSteps;
    private readonly int leftToRightSteps;
    private readonly double laterShare;
    private readonly ulong seed;

    /// <summary>A schedule for the run's warm-up length, left-to-right start and later share.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A step count is negative or the share is outside [0, 1).</exception>
    public CopySchedule(int seed, int warmupSteps, int leftToRightSteps = 0, double laterShare = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(leftToRightSteps);
        if (!(laterShare >= 0 && laterShare < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(laterShare), laterShare, "The share of copy steps after the warm-up must be in [0, 1): at 1 no chat row would ever be trained.");
        }

        (this.seed, this.warmupSteps, this.leftToRightSteps, this.laterShare) = ((ulong)seed, warmupSteps, leftToRightSteps, laterShare);
    }

    /// <summary>The schedule <paramref name="options"/> ask for.</summary>
    public static CopySchedule For(TrainingOptions options) =>
        new(options.Seed, options.CopyWarmupSteps, options.CopyLeftToRightSteps, options.CopyShare);

    /// <summary>Whether <paramref name="step"/> is past the warm-up.</summary>
    public bool IsAfterWarmup(long step) => step >= warmupSteps;

    /// <summary>Whether <paramref name="step"/> trains on copy rows.</summary>
    public bool IsCopyStep(long step) => !IsAfterWarmup(step) || (laterShare > 0 && UnitDraw(step) < laterShare);

    /// <summary>Whether the copy rows of <paramref name="step"/> are trained left to right (the warm-up's first steps).</summary>
    public bool IsLeftToRight(long step) => step < leftToRightSteps;

    /// <summary>A uniform number in [0, 1) from (seed, step): SplitMix64's finaliser, so neighbouring steps are unrelated.</summary>
    private double UnitDraw(long step)
    {
        var z = (seed * 0x9E3779B97F4A7C15UL) ^ ((ulong)step + 0x632BE59BD9B4E019UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
