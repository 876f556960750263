using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Llada;

/// <summary>
/// LLaDA as an <see cref="IMaskedDenoiser"/>: the bidirectional OLMo/Llama transformer loaded from a checkpoint whose
/// keys start with <c>model.transformer.</c>. Padded batches: pass an attention mask (padding keys are never
/// attended to) and position ids (e.g. counting only real tokens) so a padded row computes what it would alone.
/// </summary>
public sealed class LladaDenoiser : TransformerDenoiser
{
    private readonly LladaTransformer transformer;

    private LladaDenoiser(LladaConfig config, LladaTransformer transformer, Device device, ScalarType dtype) : base(device, dtype)
    {
        Config = config;
        this.transformer = transformer;
    }

    /// <summary>The checkpoint prefix of every transformer tensor.</summary>
    public const string KeyPrefix = "model.transformer.";

    /// <summary>The parsed configuration.</summary>
    public LladaConfig Config { get; }

    /// <inheritdoc />
    public override int VocabSize => Config.EmbeddingSize;

    /// <inheritdoc />
    public override long MaskTokenId => Config.MaskTokenId;

    /// <inheritdoc />
    public override long? EosTokenId => Config.EosTokenId;

    /// <summary>Builds the model from a checkpoint folder and loads its weights.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="dtype">Weight dtype (float32 by default).</param>
    /// <returns>The loaded denoiser.</returns>
    /// <exception cref="CheckpointFormatException">Config or weights do not match.</exception>
    public static LladaDenoiser Load(CheckpointFolder checkpoint, Device device, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        var config = LladaConfig.From(checkpoint);
        var transformer = new LladaTransformer(config, device, dtype);
        try
        {
            transformer.eval();
            StateDictLoader.Load(transformer, checkpoint, KeyPrefix);
            return new LladaDenoiser(config, transformer, device, dtype);
        }
        catch
        {
            transformer.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            transformer.Dispose();
        }
    }

    /// <inheritdoc />
    private protected override Tensor Run(Tensor ids, Tensor? sigma, Tensor positions, Tensor? allowed, KeyValueCache? cache, long start, List<(Tensor Keys, Tensor Values)>? fresh, (int Offset, int Length) output) =>
        transformer.Run(ids, positions, allowed, cache, start, fresh, output);
}
