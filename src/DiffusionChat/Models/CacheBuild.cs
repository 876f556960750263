using static TorchSharp.torch;

namespace DiffusionChat.Models;

/// <summary>
/// What a cache-building forward pass hands back besides its logits: every layer's fresh keys/values and, for a model
/// whose logits are shifted (<see cref="ShiftedLogits"/>), the final hidden states of all positions.
/// </summary>
/// <remarks>
/// A shifted-logit model scores position i from the state at i - 1, so a cached window's first position needs the
/// state just before the window; the keys/values alone cannot give it. The tensors become the
/// <see cref="KeyValueCache"/>'s.
/// </remarks>
internal sealed class CacheBuild
{
    /// <summary>Each layer's keys and values [B, kvHeads, L, headDim], in layer order.</summary>
    public List<(Tensor Keys, Tensor Values)> Layers { get; } = [];

    /// <summary>The final hidden states [B, L, D] (before the output layer), kept only by shifted-logit models.</summary>
    public Tensor? OutputStates { get; set; }
}
