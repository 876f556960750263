using DiffusionChat.Models;
using DiffusionChat.Sampling;
using static TorchSharp.torch;

namespace DiffusionChat.Structured;

/// <summary>
/// Template infilling with a masked-diffusion denoiser: a row of fixed ids with masked spans of given lengths (text on
/// both sides of every span visible to the model) is filled in confidence order, several positions per pass when the
/// model is sure, until no mask is left. Fixed ids never change.
/// </summary>
/// <remarks>Stateless and thread-safe (the model is only read); one host read per pass.</remarks>
public sealed class MaskedInfilling
{
    private readonly IMaskedDenoiser denoiser;

    /// <summary>Creates an infiller over <paramref name="denoiser"/> (not owned).</summary>
    /// <param name="denoiser">The model.</param>
    public MaskedInfilling(IMaskedDenoiser denoiser)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        this.denoiser = denoiser;
    }

    /// <summary>Fills every position of <paramref name="ids"/> that holds the mask id.</summary>
    /// <param name="ids">The row: prompt and canvas, the mask id at every position to fill (not modified).</param>
    /// <param name="confidenceThreshold">p(x0) at or above which positions commit together (default 0.9); 1 commits one per pass.</param>
    /// <param name="cancellationToken">Checked before every pass.</param>
    /// <returns>The filled row and what it cost.</returns>
    /// <exception cref="ArgumentException">The row is empty or holds an id outside the vocabulary.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The threshold is outside (0, 1].</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public InfillResult Fill(IReadOnlyList<int> ids, double confidenceThreshold = 0.9, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!(confidenceThreshold > 0 && confidenceThreshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidenceThreshold), confidenceThreshold, "The confidence threshold must be in (0, 1].");
        }

        Generation.PromptIds.Check(ids, denoiser.VocabSize, reserved: null, reservedName: null);
        long mask = denoiser.MaskTokenId;
        int first = ids.ToList().IndexOf((int)mask), last = ids.ToList().LastIndexOf((int)mask);
        if (first < 0)
        {
            return new InfillResult([.. ids], 0, 0);
        }

        var reads = new HostReads();
        int passes = 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(ids.Select(t => (long)t).ToArray(), [1, ids.Count], ScalarType.Int64, denoiser.Device);
        var allowed = ones(denoiser.VocabSize, ScalarType.Bool, denoiser.Device);
        allowed[mask] = tensor(false); // the absorbing state is never a prediction
        long[] span;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            span = ConfidenceOrderedCommit.Step(denoiser, x, first, last + 1, allowed, confidenceThreshold, reads);
            passes++;
        }
        while (span.Contains(mask));

        var filled = ids.ToArray();
        for (int i = 0; i < span.Length; i++)
        {
            filled[first + i] = (int)span[i];
        }

        return new InfillResult(filled, passes, reads.Count);
    }
}
