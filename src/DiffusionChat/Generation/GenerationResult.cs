using DiffusionChat.Sampling;

namespace DiffusionChat.Generation;

/// <summary>The answer generated for one request.</summary>
/// <param name="Tokens">Answer token ids, excluding the prompt and everything from the end-of-sequence token on.</param>
/// <param name="FinishReason">Why generation stopped.</param>
/// <param name="ForwardPasses">
/// Denoiser (or decoder) forward passes spent on this request's batch; shared passes count once per batch.
/// </param>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, GenerationFinishReason FinishReason, int ForwardPasses);
