using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>
/// One request's answer as the sampler commits blocks: cuts it at the first stop token and at the token budget,
/// forwards each committed piece to the request's <see cref="GenerationRequest.OnUpdate"/>, and polls
/// <see cref="GenerationRequest.StopRequested"/> once per block. Shared by the diffusion generators.
/// </summary>
internal sealed class AnswerAccumulator(GenerationRequest request, IReadOnlySet<int> stopTokenIds)
{
    private readonly List<int> tokens = [];
    private bool stoppedByToken;
    private bool stopRequested;

    /// <summary>Whether the answer is complete: a stop token, the budget, or the caller's stop request.</summary>
    public bool Finished => stoppedByToken || stopRequested || tokens.Count >= request.MaxNewTokens;

    /// <summary>Takes the tokens of one committed block (ignored once the answer has ended).</summary>
    public void Accept(int blockIndex, IReadOnlyList<int> blockTokens)
    {
        if (stoppedByToken || stopRequested)
        {
            return;
        }

        var piece = new List<int>();
        foreach (var id in blockTokens)
        {
            if (stopTokenIds.Contains(id))
            {
                stoppedByToken = true;
                break;
            }

            if (tokens.Count + piece.Count >= request.MaxNewTokens)
            {
                break;
            }

            piece.Add(id);
        }

        tokens.AddRange(piece);
        request.OnUpdate?.Invoke(new GenerationUpdate(blockIndex, piece));
        stopRequested = !stoppedByToken && request.StopRequested?.Invoke() == true;
    }

    /// <summary>The final result.</summary>
    /// <param name="samplerSawEndOfSequence">The sampler itself ended the row at the model's end-of-sequence token.</param>
    /// <param name="forwardPasses">Forward passes of the batch.</param>
    public GenerationResult Result(bool samplerSawEndOfSequence, int forwardPasses)
    {
        var reason = stopRequested ? GenerationFinishReason.Stopped
            : stoppedByToken || samplerSawEndOfSequence ? GenerationFinishReason.EndOfSequence
            : GenerationFinishReason.Length;
        return new GenerationResult(tokens, reason, forwardPasses);
    }
}
