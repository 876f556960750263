using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// One pass of a transformer denoiser's network over a window of the sequence, as <see cref="TransformerDenoiser"/>
/// hands it on: the full-sequence, cache-building and cached-window calls differ only in these fields.
/// </summary>
/// <param name="Ids">Window token ids [B, W].</param>
/// <param name="Positions">Absolute positions of the window tokens [B, W].</param>
/// <param name="Allowed">Which keys each query may see, broadcastable to [B, heads, W, Lk], or null for every key.</param>
/// <param name="Output">(offset, length) of the window positions that need logits.</param>
internal sealed record TransformerPass(Tensor Ids, Tensor Positions, Tensor? Allowed, (int Offset, int Length) Output)
{
    /// <summary>The noise level [B] as the caller gave it, or null (only MDLM's DiT is time-conditioned).</summary>
    public Tensor? Sigma { get; init; }

    /// <summary>Keys/values of the whole sequence that the window reads, or null.</summary>
    public KeyValueCache? Cache { get; init; }

    /// <summary>The window's first position (with <see cref="Cache"/>).</summary>
    public long Start { get; init; }

    /// <summary>
    /// When not null (a cache-building pass), receives each layer's fresh keys/values and, for a model whose logits are
    /// shifted, the final states; the caller owns them (they must outlive the pass's dispose scope).
    /// </summary>
    public CacheBuild? Build { get; init; }
}
