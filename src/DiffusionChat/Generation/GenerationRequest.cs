using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>One answer to generate: the prompt's tokens and how to decode.</summary>
/// <param name="PromptTokens">The rendered prompt's token ids (chat template applied).</param>
/// <param name="MaxNewTokens">Most answer tokens to generate (diffusion engines round up to whole blocks internally but never return more).</param>
/// <param name="Sampling">Temperature, top-k, top-p and seed.</param>
/// <param name="Diffusion">Diffusion knobs; unset values take the generator's defaults.</param>
public sealed record GenerationRequest(IReadOnlyList<int> PromptTokens, int MaxNewTokens, TokenSampling Sampling, DiffusionGenerationOptions Diffusion)
{
    /// <summary>
    /// Token ids that end the answer besides the model's own end-of-sequence id (e.g. the chat template's end-of-turn
    /// token). The answer is cut before the first of them.
    /// </summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// Called on the generation thread each time tokens become final (a committed block), in order. Keep it cheap and
    /// non-blocking; exceptions from it fail the request.
    /// </summary>
    public Action<GenerationUpdate>? OnUpdate { get; init; }

    /// <summary>
    /// Polled once per committed block (a token, for the autoregressive generator); when it returns true the row stops
    /// after the current block with <see cref="GenerationFinishReason.Stopped"/> (used for stop sequences found in
    /// decoded text). The autoregressive generator and the masked generator on a block-causal model spend no further
    /// passes on a row that has ended and stop once every row of the batch has ended; a bidirectional masked model still
    /// computes the row's whole answer window until the batch ends.
    /// </summary>
    public Func<bool>? StopRequested { get; init; }
}
