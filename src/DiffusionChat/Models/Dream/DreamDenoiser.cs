using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Qwen;
using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Dream;

/// <summary>
/// Dream (Ye et al. 2025, "Dream 7B"; <c>model_type</c> <c>Dream</c>, <c>DreamModel</c>) as an
/// <see cref="IMaskedDenoiser"/>: a Qwen2.5 decoder (q/k/v biases, grouped-query attention, untied <c>lm_head</c>) run
/// bidirectionally. Dream starts from an autoregressive model and keeps its "next token" alignment, so the logits this
/// denoiser returns for position i are the decoder's at position i - 1 (position 0 keeps its own), exactly the
/// tensor Dream's <c>diffusion_generate</c> scores position i with.
/// </summary>
/// <remarks>
/// <para>
/// Padded batches: pass an attention mask (padding keys are never attended to) and position ids counting only real
/// tokens, as Dream's sampler does with <c>tok_idx</c>.
/// </para>
/// <para>
/// Key/value cache (Fast-dLLM's prefix and dual caches, as NVlabs/Fast-dLLM runs them on Dream): the cache-building pass
/// keeps every layer's keys/values and, because of the shift, the final hidden states too; a cached window then scores
/// its first position from the kept state of the position before it, as a frozen prefix implies (Fast-dLLM's Dream
/// sampler commits that position in the cache-building pass). So a window over an unchanged sequence gives the full
/// pass's logits.
/// </para>
/// </remarks>
public sealed class DreamDenoiser : TransformerDenoiser
{
    private readonly QwenCausalLM network;

    private DreamDenoiser(QwenCausalLM network, Device device, ScalarType dtype) : base(device, dtype)
    {
        this.network = network;
    }

    /// <summary>The model types this class loads (<c>config.json</c> <c>model_type</c> / <c>architectures</c>).</summary>
    public static IReadOnlyList<string> ModelTypes { get; } = ["Dream", "DreamModel"];

    /// <summary>The decoder's architecture.</summary>
    public QwenConfig Config => network.Config;

    /// <inheritdoc />
    public override int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public override long MaskTokenId => Config.MaskTokenId;

    /// <inheritdoc />
    public override long? EosTokenId => Config.EosTokenId;

    /// <summary>The padding id of the config (Dream: equal to the end-of-sequence id), if any.</summary>
    public long? PadTokenId => Config.PadTokenId;

    /// <summary>Builds the model from a checkpoint folder and loads its weights.</summary>
    /// <param name="checkpoint">The opened folder (Dream config.json + safetensors, float32 or bfloat16).</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype (float32 by default).</param>
    /// <returns>The loaded denoiser.</returns>
    /// <exception cref="CheckpointFormatException">Config or weights do not match.</exception>
    public static DreamDenoiser Load(CheckpointFolder checkpoint, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        // Qwen2's attention always has q/k/v biases; Dream's config has no attention_bias field.
        var config = QwenConfig.From(checkpoint, attentionBias: true, queryKeyNorm: false);
        return new DreamDenoiser(QwenCausalLM.Load(checkpoint, config, device, dtype), device, dtype);
    }

    /// <summary>
    /// The decoder's own, unshifted logits [B, L, V] (<c>DreamModel(input_ids).logits</c>): position i predicts
    /// token i + 1. For parity checks against the reference forward pass.
    /// </summary>
    internal Tensor DecoderLogits(Tensor ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        DenoiserInputs.CheckIds(ids, Device, nameof(ids));
        var positions = DenoiserInputs.Positions(null, ids.shape[0], ids.shape[1], Device);
        return network.Project(network.Hidden(ids, positions, null, null, store: false)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            network.Dispose();
        }
    }

    /// <inheritdoc />
    private protected override Tensor Run(TransformerPass pass)
    {
        using var scope = NewDisposeScope();
        var (cache, build) = (pass.Cache, pass.Build);
        Tensor hidden;
        try
        {
            hidden = network.Hidden(pass.Ids, pass.Positions, pass.Allowed, cache, store: false, cache is null ? null : pass.Start, build?.Layers);
        }
        catch when (build is not null)
        {
            // The captured keys/values belong to no dispose scope yet.
            build.Layers.ForEach(layer => { layer.Keys.Dispose(); layer.Values.Dispose(); });
            build.Layers.Clear();
            throw;
        }

        var before = pass.Output.Offset == 0 ? ShiftedLogits.StateBefore(cache, pass.Start) : null;
        var logits = network.Project(ShiftedLogits.States(hidden, pass.Output, before)).MoveToOuterDisposeScope();
        if (build is not null)
        {
            build.OutputStates = hidden.DetachFromDisposeScope();
        }

        return logits;
    }
}
