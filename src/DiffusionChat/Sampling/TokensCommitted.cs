namespace DiffusionChat.Sampling;

/// <summary>
/// The one committed-token event every sampler raises, whatever the family: some tokens of a row became final, in
/// answer order. Masked, simplex and SDAR samplers raise it per finished block, the autoregressive decoder per decoded
/// token, Dream once (its whole answer is one block). The generators turn these into the client's stream.
/// </summary>
/// <param name="Row">Row of the batch (prompt index).</param>
/// <param name="Block">0-based index of what was committed: the block, or the decoding step for the autoregressive decoder.</param>
/// <param name="Tokens">
/// The row's new tokens. Samplers that stop a row at its end-of-sequence or stop id cut them before it (masked,
/// simplex, autoregressive); SDAR and Dream report the block as their references return it and leave the cut to the
/// caller.
/// </param>
/// <param name="Ended">Whether the row ended here (it met its end-of-sequence or a stop id); no later event names it.</param>
public sealed record TokensCommitted(int Row, int Block, IReadOnlyList<int> Tokens, bool Ended);
