using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Qwen;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Sdar;

/// <summary>
/// SDAR (JetAstra/SDAR; <c>model_type</c> <c>sdar</c>, <c>SDARForCausalLM</c>): a Qwen3 decoder (per-head q/k RMSNorm
/// before the rotary embedding, explicit <c>head_dim</c>, grouped-query attention, untied <c>lm_head</c>) trained for
/// block diffusion: attention is block-causal over blocks of <see cref="BlockSize"/> positions, and the keys/values of
/// finished blocks are kept in an exact cache. Position i's logits predict the token at position i (no shift).
/// </summary>
/// <remarks>
/// A call attends to the cached keys/values and its own tokens under the caller's mask; with <c>store</c> its keys/values
/// are appended to the cache (a prefill, or a finished block), without it the cache is left as it was (a denoising step).
/// Not thread-safe with a shared cache; the weights are only read.
/// </remarks>
public sealed class SdarDenoiser : IDisposable
{
    private readonly QwenCausalLM network;

    private SdarDenoiser(QwenCausalLM network, int blockSize, Device device, ScalarType dtype)
    {
        this.network = network;
        BlockSize = blockSize;
        Device = device;
        DType = dtype;
    }

    /// <summary>The model types this class loads (<c>config.json</c> <c>model_type</c> / <c>architectures</c>).</summary>
    public static IReadOnlyList<string> ModelTypes { get; } = ["sdar", "SDARForCausalLM"];

    /// <summary>The decoder's architecture.</summary>
    public QwenConfig Config => network.Config;

    /// <summary>The block length the model was trained with (<c>block_size</c>, default 4 as in SDAR's generate script).</summary>
    public int BlockSize { get; }

    /// <summary>The device the weights live on; inputs must be on it too.</summary>
    public Device Device { get; }

    /// <summary>The dtype of the weights.</summary>
    public ScalarType DType { get; }

    /// <summary>Number of logits per position.</summary>
    public int VocabSize => Config.VocabSize;

    /// <summary>The mask id (<c>mask_token_id</c>).</summary>
    public long MaskTokenId => Config.MaskTokenId;

    /// <summary>The end-of-sequence id, if the config names one.</summary>
    public long? EosTokenId => Config.EosTokenId;

    /// <summary>Builds the model from a checkpoint folder and loads its weights.</summary>
    /// <param name="checkpoint">The opened folder (SDAR config.json + safetensors, float32 or bfloat16).</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype (float32 by default).</param>
    /// <returns>The loaded model.</returns>
    /// <exception cref="CheckpointFormatException">Config or weights do not match.</exception>
    public static SdarDenoiser Load(CheckpointFolder checkpoint, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        var config = QwenConfig.From(checkpoint, attentionBias: false, queryKeyNorm: true);
        var r = new ModelConfigReader(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        int blockSize = r.OptionalInt("block_size") ?? 4;
        if (blockSize < 1)
        {
            throw r.Invalid($"block_size {blockSize} must be a positive number of positions.");
        }

        return new SdarDenoiser(QwenCausalLM.Load(checkpoint, config, device, dtype), blockSize, device, dtype);
    }

    /// <summary>
    /// The block-causal mask of <paramref name="length"/> positions in blocks of <paramref name="blockLength"/>: a
    /// query in block i may attend to every key in blocks 0..i (bool [1, L, L], true = may attend).
    /// </summary>
    public static Tensor BlockCausalMask(long length, int blockLength, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockLength);
        using var scope = NewDisposeScope();
        var blocks = HeldScalars.Range(0, length, ScalarType.Int64, device).FloorDividedBy(blockLength);
        return blocks.unsqueeze(0).le(blocks.unsqueeze(1)).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <summary>Logits [B, W, V] for the tokens <paramref name="ids"/> [B, W].</summary>
    /// <param name="ids">Token ids, int64 [B, W].</param>
    /// <param name="positions">Their absolute positions, int64 [1 or B, W].</param>
    /// <param name="allowed">
    /// Which keys (cached first, then these W) each query may attend to, bool or 0/1 [1 or B, W, cached + W]; null = all.
    /// </param>
    /// <param name="cache">The keys/values of earlier positions (after q/k norm and rotation), or null.</param>
    /// <param name="store">Whether these tokens' keys/values are appended to <paramref name="cache"/>.</param>
    /// <returns>The logits (caller disposes).</returns>
    /// <exception cref="ArgumentException">A shape does not fit, or <paramref name="store"/> without a cache.</exception>
    public Tensor Forward(Tensor ids, Tensor positions, Tensor? allowed, KeyValueCache? cache, bool store)
    {
        DenoiserInputs.CheckIds(ids, Device, nameof(ids));
        ArgumentNullException.ThrowIfNull(positions);
        long w = ids.shape[1], keys = (cache?.Length ?? 0) + w;
        if (positions.dim() != 2 || positions.shape[1] != w)
        {
            throw new ArgumentException($"positions must be [1 or B, {w}]; got [{string.Join(", ", positions.shape)}].", nameof(positions));
        }

        if (allowed is not null && (allowed.dim() != 3 || allowed.shape[1] != w || allowed.shape[2] != keys))
        {
            throw new ArgumentException($"allowed must be [1 or B, {w}, {keys}] (cached + new keys); got [{string.Join(", ", allowed.shape)}].", nameof(allowed));
        }

        if (store && cache is null)
        {
            throw new ArgumentException("store asks to append to a cache, but no cache was given.", nameof(cache));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mask = allowed?.to(ScalarType.Bool).unsqueeze(1); // [1 or B, 1, W, keys]
        var hidden = network.Hidden(ids, positions.to(ScalarType.Int64), mask, cache, store);
        return network.Project(hidden).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => network.Dispose();
}
