namespace DiffusionChat.Generation;

/// <summary>
/// One denoising step of one request: the answer positions a masked-diffusion sampler unmasked in that step and the
/// tokens it put there. Raised by <see cref="MaskedTokenGenerator.StepCommitted"/>, e.g. to animate an answer as it
/// denoises.
/// </summary>
/// <remarks>
/// Step tokens are provisional in one sense only: they are the sampler's raw commits, before the answer is cut at the
/// end-of-sequence token, a stop token or the token budget. The final answer is what the request's
/// <see cref="GenerationRequest.OnUpdate"/> (or the chat client's stream) delivers per block.
/// </remarks>
public sealed class DenoisingStepEventArgs : EventArgs
{
    /// <summary>Creates the event data.</summary>
    /// <param name="request">The request this step belongs to.</param>
    /// <param name="block">0-based block index within the answer.</param>
    /// <param name="step">0-based step within the block.</param>
    /// <param name="positions">Answer-relative positions unmasked in this step.</param>
    /// <param name="tokens">The tokens placed there, in the same order.</param>
    public DenoisingStepEventArgs(GenerationRequest request, int block, int step, IReadOnlyList<int> positions, IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(tokens);
        if (positions.Count != tokens.Count)
        {
            throw new ArgumentException($"positions ({positions.Count}) and tokens ({tokens.Count}) must have the same length.", nameof(tokens));
        }

        Request = request;
        Block = block;
        Step = step;
        Positions = positions;
        Tokens = tokens;
    }

    /// <summary>The request this step belongs to (compare by reference to tell concurrent requests apart).</summary>
    public GenerationRequest Request { get; }

    /// <summary>0-based block index within the answer.</summary>
    public int Block { get; }

    /// <summary>0-based step within the block.</summary>
    public int Step { get; }

    /// <summary>Answer-relative positions unmasked in this step.</summary>
    public IReadOnlyList<int> Positions { get; }

    /// <summary>The tokens placed at <see cref="Positions"/>, in the same order.</summary>
    public IReadOnlyList<int> Tokens { get; }
}
