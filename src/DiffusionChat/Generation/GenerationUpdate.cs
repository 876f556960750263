namespace DiffusionChat.Generation;

/// <summary>
/// Tokens that became final for one request: a committed block for diffusion models, one token for autoregressive
/// ones. Updates for a request arrive in order and never revise earlier tokens.
/// </summary>
/// <param name="BlockIndex">0-based index of the block (or token) within the answer.</param>
/// <param name="Tokens">The newly final tokens (already cut at end-of-sequence).</param>
public sealed record GenerationUpdate(int BlockIndex, IReadOnlyList<int> Tokens);
