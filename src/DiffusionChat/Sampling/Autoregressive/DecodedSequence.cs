namespace DiffusionChat.Sampling.Autoregressive;

/// <summary>What <see cref="CausalDecoder"/> produced for one prompt.</summary>
/// <param name="Tokens">The generated ids, without the stop token.</param>
/// <param name="Stopped">True when a stop token ended the sequence, false when <see cref="DecodingOptions.MaxNewTokens"/> did.</param>
public sealed record DecodedSequence(IReadOnlyList<int> Tokens, bool Stopped);
