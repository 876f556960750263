using TorchSharp;

namespace DiffusionChat.Models;

/// <summary>
/// A masked (absorbing-state) diffusion denoiser: given token ids where some positions hold the mask id, predicts
/// logits over the vocabulary for every position. The samplers in <c>DiffusionChat.Sampling</c> only see this
/// interface.
/// </summary>
/// <remarks>
/// Every tensor the denoiser returns lives on <see cref="Device"/>; callers own the returned tensors and dispose them.
/// Inputs are never modified.
/// </remarks>
public interface IMaskedDenoiser : IDisposable
{
    /// <summary>The device the weights live on; inputs must be on it too.</summary>
    torch.Device Device { get; }

    /// <summary>The dtype of the weights and of the returned logits.</summary>
    torch.ScalarType DType { get; }

    /// <summary>Number of logits per position (the size of the output layer).</summary>
    int VocabSize { get; }

    /// <summary>The id of the mask (absorbing) token, read from the checkpoint's config.</summary>
    long MaskTokenId { get; }

    /// <summary>The end-of-sequence id from the config, or null when the config names none.</summary>
    long? EosTokenId { get; }

    /// <summary>Whether <see cref="ForwardWithCache"/> and <see cref="ForwardWindow"/> are implemented.</summary>
    bool SupportsKeyValueCache { get; }

    /// <summary>
    /// The attention block of a block-causal model (BD3-LM; LLaDA with <c>block_size</c>): a position sees its own block
    /// and every earlier block, never a later one, so finished blocks can be cached exactly and the positions after the
    /// current block need not exist. Null (the default) for bidirectional attention.
    /// </summary>
    int? AttentionBlockSize => null;

    /// <summary>Predicts logits for every position.</summary>
    /// <param name="ids">Token ids, int64 [B, L].</param>
    /// <param name="attentionMask">Optional [B, L] (bool or 0/1): keys at 0 positions (padding) are not attended to.</param>
    /// <param name="positionIds">Optional int64 [B, L] positions for the rotary embedding; default 0..L-1.</param>
    /// <param name="sigma">
    /// Optional noise level [B] for time-conditioned models; ignored by models whose config disables time conditioning.
    /// </param>
    /// <param name="logitsFor">
    /// Optional range of positions that need logits (e.g. the current block); the output layer then runs on those
    /// positions only, which saves a [B, L, V] tensor for large vocabularies. Default: all positions.
    /// </param>
    /// <returns>Logits [B, L (or the range's length), <see cref="VocabSize"/>].</returns>
    torch.Tensor Forward(torch.Tensor ids, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, torch.Tensor? sigma = null, Range? logitsFor = null);

    /// <summary>
    /// A full forward pass that also returns every layer's keys and values for all L positions, to be reused by
    /// <see cref="ForwardWindow"/> (the prefix and dual caches of Fast-dLLM).
    /// </summary>
    /// <param name="ids">Token ids, int64 [B, L].</param>
    /// <param name="attentionMask">Optional [B, L] key padding mask, as in <see cref="Forward"/>.</param>
    /// <param name="positionIds">Optional int64 [B, L] positions, as in <see cref="Forward"/>.</param>
    /// <param name="cache">The keys/values of all L positions; the caller disposes it.</param>
    /// <param name="logitsFor">Optional range of positions that need logits, as in <see cref="Forward"/>.</param>
    /// <returns>Logits [B, L (or the range's length), <see cref="VocabSize"/>].</returns>
    /// <exception cref="NotSupportedException"><see cref="SupportsKeyValueCache"/> is false.</exception>
    torch.Tensor ForwardWithCache(torch.Tensor ids, torch.Tensor? attentionMask, torch.Tensor? positionIds, out KeyValueCache cache, Range? logitsFor = null);

    /// <summary>
    /// A cached forward pass over the window of W tokens at absolute positions [start, start + W): every layer computes
    /// the window's queries, keys and values, and attends over the cached keys/values of [0, start), the fresh ones of
    /// the window, and the cached ones of [start + W, L). A prefix cache is a window reaching to the end of the
    /// sequence; a dual cache is a window covering only the current block. The cache is not modified.
    /// </summary>
    /// <remarks>
    /// A model whose logits are shifted (position i scored from the state at i - 1: Dream, LLaDA with
    /// <c>shift_logits</c>) scores the window's first position from the final state the cache kept for the position
    /// before the window (<see cref="KeyValueCache.OutputStates"/>), as a frozen prefix implies.
    /// </remarks>
    /// <param name="windowIds">Token ids of the window, int64 [B, W].</param>
    /// <param name="start">Absolute position of the window's first token.</param>
    /// <param name="cache">Keys/values of all L positions from <see cref="ForwardWithCache"/>.</param>
    /// <param name="attentionMask">Optional [B, L] key padding mask over the whole sequence.</param>
    /// <param name="positionIds">Optional int64 [B, L] positions over the whole sequence.</param>
    /// <param name="logitsFor">Optional range of window-relative positions that need logits, as in <see cref="Forward"/>.</param>
    /// <returns>Logits [B, W (or the range's length), <see cref="VocabSize"/>] for the window only.</returns>
    /// <exception cref="NotSupportedException"><see cref="SupportsKeyValueCache"/> is false.</exception>
    /// <exception cref="ArgumentException">A shifted-logit model got a cache without kept final states.</exception>
    torch.Tensor ForwardWindow(torch.Tensor windowIds, long start, KeyValueCache cache, torch.Tensor? attentionMask = null, torch.Tensor? positionIds = null, Range? logitsFor = null);

    /// <summary>
    /// A pass over the W tokens that follow the cached positions [0, L) of a block-causal model's cache grown block by
    /// block: the window attends over the cached keys/values and its own, and the keys/values (and, for a shifted-logit
    /// model, the final states) of its first <paramref name="append"/> positions are appended to the cache. Exact for
    /// positions whose attention blocks are complete when they are appended (they can never see a later position).
    /// </summary>
    /// <remarks>
    /// One pass can so both finish a block (its final tokens enter the cache) and denoise the next one. A shifted-logit
    /// model scores the window's first position from the cached final state of the position before it.
    /// </remarks>
    /// <param name="windowIds">Token ids of the window, int64 [B, W].</param>
    /// <param name="cache">The cache (possibly empty) of the positions before the window; extended in place.</param>
    /// <param name="attentionMask">Optional [B, L + W] key padding mask over the cached positions and the window.</param>
    /// <param name="positionIds">Optional int64 [B, L + W] positions over the cached positions and the window.</param>
    /// <param name="append">How many of the window's first positions join the cache (0 .. W).</param>
    /// <param name="logitsFor">Optional range of window-relative positions that need logits.</param>
    /// <returns>Logits [B, W (or the range's length), <see cref="VocabSize"/>].</returns>
    /// <exception cref="NotSupportedException">The model has no key/value cache or is not block-causal.</exception>
    torch.Tensor ForwardAppending(torch.Tensor windowIds, KeyValueCache cache, torch.Tensor? attentionMask, torch.Tensor? positionIds, int append, Range? logitsFor = null) =>
        throw new NotSupportedException($"{GetType().Name} does not grow a block-causal key/value cache; sample it with MaskedDiffusionSampler.");
}
