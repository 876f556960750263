using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Dit;

/// <summary>
/// MDLM (and BD3-LM) as an <see cref="IMaskedDenoiser"/>: the DiT backbone loaded from a checkpoint whose keys start
/// with <c>backbone.</c>. With <c>time_conditioning: false</c> sigma is replaced by 0, as MDLM's
/// <c>_process_sigma</c> does. With <c>block_size</c> (BD3-LM) attention is block-causal: a position attends to its
/// own block and every earlier block, which makes the keys/values of finished blocks exact to cache.
/// </summary>
public sealed class MdlmDenoiser : TransformerDenoiser
{
    private readonly DitBackbone backbone;

    private MdlmDenoiser(DitConfig config, DitBackbone backbone, Device device, ScalarType dtype) : base(device, dtype)
    {
        Config = config;
        this.backbone = backbone;
    }

    /// <summary>The checkpoint prefix of every backbone tensor.</summary>
    public const string KeyPrefix = "backbone.";

    /// <summary>The parsed configuration.</summary>
    public DitConfig Config { get; }

    /// <inheritdoc />
    public override int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public override long MaskTokenId => Config.MaskTokenId;

    /// <inheritdoc />
    /// <remarks>MDLM's configs name no end-of-sequence id; null.</remarks>
    public override long? EosTokenId => null;

    /// <summary>Builds the model from a checkpoint folder and loads its weights.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype (float32 by default).</param>
    /// <returns>The loaded denoiser.</returns>
    /// <exception cref="CheckpointFormatException">Config or weights do not match.</exception>
    public static MdlmDenoiser Load(CheckpointFolder checkpoint, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        var config = DitConfig.From(checkpoint);
        var backbone = new DitBackbone(config, device, dtype);
        return LoadWeights(checkpoint, KeyPrefix, backbone, loaded => new MdlmDenoiser(config, loaded, device, dtype));
    }

    /// <summary>
    /// The raw DiT forward with <paramref name="sigma"/> used as given, skipping MDLM's <c>_process_sigma</c> (which
    /// zeroes sigma when the config disables time conditioning). <see cref="TransformerDenoiser.Forward"/> applies it.
    /// </summary>
    /// <param name="ids">Token ids [B, L], int64 on <see cref="TransformerDenoiser.Device"/>.</param>
    /// <param name="sigma">Noise level [B].</param>
    /// <returns>Logits [B, L, V].</returns>
    public Tensor ForwardBackbone(Tensor ids, Tensor sigma)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        DenoiserInputs.CheckIds(ids, Device, nameof(ids));
        long b = ids.shape[0], l = ids.shape[1];
        if (sigma.dim() != 1 || sigma.shape[0] != b)
        {
            throw new ArgumentException($"sigma must have shape [{b}]; got [{string.Join(", ", sigma.shape)}].", nameof(sigma));
        }

        var positions = DenoiserInputs.Positions(null, b, l, Device);
        return backbone.Run(new TransformerPass(ids, positions, Allowed(null, positions, 0, l, l), (0, (int)l)), sigma).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            backbone.Dispose();
        }
    }

    /// <inheritdoc />
    private protected override Tensor Run(TransformerPass pass) =>
        backbone.Run(pass, Sigma(pass.Sigma, pass.Ids.shape[0]));

    /// <summary>Key padding mask combined with BD3-LM's block-causal mask for queries [start, start + W).</summary>
    /// <remarks>Blocks count sequence indices, as BD3-LM's unpadded pretraining rows do (its golden fixtures).</remarks>
    private protected override Tensor? Allowed(Tensor? attentionMask, Tensor positions, long start, long w, long l)
    {
        var keyMask = Attention.KeyMask(attentionMask);
        if (Config.BlockSize is not { } bs)
        {
            return keyMask;
        }

        // Integer block indices: Tensor '/' is true division, which would make the mask plain causal.
        var queryBlocks = HeldScalars.Range(start, start + w, int64, Device).FloorDividedBy(bs).unsqueeze(0);
        var keyBlocks = HeldScalars.Range(0, l, int64, Device).FloorDividedBy(bs).unsqueeze(0);
        return Attention.BlockCausal(keyMask, keyBlocks, queryBlocks);
    }

    /// <summary>MDLM's <c>_process_sigma</c>: without time conditioning the network always sees sigma = 0.</summary>
    private Tensor Sigma(Tensor? sigma, long batch)
    {
        if (!Config.TimeConditioning || sigma is null)
        {
            return zeros(batch, dtype: float32, device: Device);
        }

        if (sigma.dim() != 1 || sigma.shape[0] != batch)
        {
            throw new ArgumentException($"sigma must have shape [{batch}]; got [{string.Join(", ", sigma.shape)}].", nameof(sigma));
        }

        return sigma;
    }
}
