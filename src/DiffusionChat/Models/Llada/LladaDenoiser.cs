using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Llada;

/// <summary>
/// LLaDA as an <see cref="IMaskedDenoiser"/>: the bidirectional OLMo/Llama transformer loaded from a checkpoint whose
/// keys start with <c>model.transformer.</c>, or with <see cref="LladaConfig.BlockSize"/> its block-causal (BD3-LM)
/// variant. Padded batches: pass an attention mask (padding keys are never attended to) and position ids (e.g. counting
/// only real tokens) so a padded row computes what it would alone.
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

    /// <inheritdoc />
    public override int? AttentionBlockSize => Config.BlockSize;

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
        return LoadWeights(checkpoint, KeyPrefix, transformer, loaded => new LladaDenoiser(config, loaded, device, dtype));
    }

    /// <summary>
    /// Builds a randomly initialised, trainable model (every parameter requires grad; matrices and embeddings
    /// ~ N(0, 0.02^2), output projections of the residual branches scaled by 1/sqrt(2 n_layers) as in GPT-2/OLMo,
    /// RMSNorm weights 1), in training mode.
    /// </summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">Where the weights go.</param>
    /// <param name="seed">Seed of the initialisation (same seed, same weights).</param>
    /// <returns>The new denoiser; train it through <see cref="Transformer"/> and <see cref="TrainingLogits"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LladaConfig.BlockSize"/> is below 1.</exception>
    public static LladaDenoiser Create(LladaConfig config, Device device, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        if (config.BlockSize is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(config), config.BlockSize, $"BlockSize {config.BlockSize} must be a positive number of positions, or null for bidirectional attention.");
        }

        var transformer = new LladaTransformer(config, device, ScalarType.Float32);
        using var generator = new Generator((ulong)seed, device);
        double residualStd = 0.02 / Math.Sqrt(2.0 * config.Layers);
        using (no_grad())
        {
            foreach (var (name, parameter) in transformer.named_parameters())
            {
                if (parameter.dim() == 1)
                {
                    parameter.FillWith(1.0);
                }
                else
                {
                    bool residualOutput = name.EndsWith(".attn_out.weight", StringComparison.Ordinal) || name.EndsWith(".ff_out.weight", StringComparison.Ordinal);
                    parameter.normal_(0, residualOutput ? residualStd : 0.02, generator);
                }

                parameter.requires_grad = true;
            }
        }

        transformer.train();
        return new LladaDenoiser(config, transformer, device, ScalarType.Float32);
    }

    /// <summary>
    /// The trainable <c>model.transformer</c> module: its state-dict names are the checkpoint keys after
    /// <see cref="KeyPrefix"/>; use it for <c>parameters()</c>, <c>train()</c>/<c>eval()</c> and saving.
    /// </summary>
    public nn.Module Transformer => transformer;

    /// <summary>
    /// Logits [B, L, V] of every position with autograd on (the inference <c>Forward</c> methods run without grad),
    /// for training: the model's own attention over the valid tokens (bidirectional, or block-causal with
    /// <see cref="LladaConfig.BlockSize"/>), positions 0 .. L-1. A block-causal model trains with
    /// <see cref="BlockTrainingLogits"/> instead, where every noisy block sees clean blocks before it.
    /// </summary>
    /// <param name="ids">Token ids [B, L].</param>
    /// <param name="valid">Bool or 0/1 [B, L]: false marks padding that no position may attend to.</param>
    /// <param name="causal">
    /// True restricts each position to itself and the positions before it (a left-to-right pass, as used to warm a
    /// diffusion model up with next-token training before its bidirectional objective); false (the model's own use)
    /// attends in both directions.
    /// </param>
    /// <returns>The logits (caller disposes).</returns>
    public Tensor TrainingLogits(Tensor ids, Tensor valid, bool causal = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(valid);
        if (ids.dim() != 2 || !valid.shape.SequenceEqual(ids.shape))
        {
            throw new ArgumentException($"ids must be [B, L] and valid the same shape; got ids [{string.Join(", ", ids.shape)}], valid [{string.Join(", ", valid.shape)}].", nameof(ids));
        }

        using var scope = NewDisposeScope();
        long length = ids.shape[1];
        var positions = HeldScalars.Range(0, length, ScalarType.Int64, ids.device).unsqueeze(0).expand(ids.shape[0], length);
        var allowed = Allowed(valid, positions, 0, length, length)!;
        if (causal)
        {
            allowed = allowed.logical_and(ones(length, length, ScalarType.Bool, ids.device).tril()); // [B, 1, L, L]
        }

        var logits = transformer.Run(new TransformerPass(ids, positions, allowed, (0, (int)length)));
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// BD3-LM's training pass for a block-causal model (<see cref="LladaConfig.BlockSize"/>), with autograd on: the
    /// noisy row and its clean copy run as one sequence of 2L positions, both at positions 0 .. L-1. A noisy position
    /// attends to the noisy positions of its own block and to the clean positions of earlier blocks; a clean position
    /// attends to the clean positions of its own and earlier blocks. So every noisy block is denoised from the clean
    /// prefix it will have when sampled, and one pass trains every block of the row.
    /// </summary>
    /// <param name="noisy">Noisy ids [B, L] (some positions hold the mask id).</param>
    /// <param name="clean">Clean ids [B, L].</param>
    /// <param name="valid">Bool or 0/1 [B, L]: false marks padding that no position may attend to.</param>
    /// <returns>Logits [B, L, V] of the noisy positions (caller disposes). With <see cref="LladaConfig.ShiftLogits"/>
    /// the first position of a block reads the clean state before it, as it does when sampled after a finished prefix.</returns>
    /// <exception cref="InvalidOperationException">The model has no <see cref="LladaConfig.BlockSize"/>.</exception>
    public Tensor BlockTrainingLogits(Tensor noisy, Tensor clean, Tensor valid)
    {
        ArgumentNullException.ThrowIfNull(noisy);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(valid);
        if (Config.BlockSize is not { } size)
        {
            throw new InvalidOperationException("BlockTrainingLogits needs a block-causal model (config block_size); train a bidirectional model with TrainingLogits.");
        }

        if (noisy.dim() != 2 || !clean.shape.SequenceEqual(noisy.shape) || !valid.shape.SequenceEqual(noisy.shape))
        {
            throw new ArgumentException($"noisy, clean and valid must all be [B, L]; got [{string.Join(", ", noisy.shape)}], [{string.Join(", ", clean.shape)}], [{string.Join(", ", valid.shape)}].", nameof(noisy));
        }

        using var scope = NewDisposeScope();
        var (batch, length) = (noisy.shape[0], noisy.shape[1]);
        var device = noisy.device;
        var index = HeldScalars.Range(0, length, ScalarType.Int64, device);
        var block = index.FloorDividedBy(size);
        var (queryBlock, keyBlock) = (block.unsqueeze(1), block.unsqueeze(0));
        var noisyRows = cat([keyBlock.eq(queryBlock), keyBlock.lt(queryBlock)], 1); // noisy queries: own noisy block, earlier clean blocks
        var cleanRows = cat([zeros(length, length, ScalarType.Bool, device), keyBlock.le(queryBlock)], 1); // clean queries: clean blocks up to their own
        var keys = valid.to(ScalarType.Bool).repeat(1, 2);
        var allowed = cat([noisyRows, cleanRows], 0).unsqueeze(0).unsqueeze(0).logical_and(keys.unsqueeze(1).unsqueeze(1)); // [B, 1, 2L, 2L]
        var positions = index.repeat(2).unsqueeze(0).expand(batch, 2 * length);
        var logits = transformer.RunStates(cat([noisy, clean], 1), positions, allowed, StateIndex(length, size, device));
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The logits the masked-diffusion ELBO scores a noisy row with, with autograd on: the model's own attention over the
    /// noisy row (<see cref="TrainingLogits"/>) for a bidirectional model, <see cref="BlockTrainingLogits"/> (each noisy
    /// block next to the clean blocks before it) for a block-causal one.
    /// </summary>
    /// <param name="noisy">Noisy ids [B, L].</param>
    /// <param name="clean">Clean ids [B, L] (read by a block-causal model only).</param>
    /// <param name="valid">Bool or 0/1 [B, L]: false marks padding.</param>
    /// <returns>Logits [B, L, V] of the noisy positions (caller disposes).</returns>
    public Tensor DenoisingLogits(Tensor noisy, Tensor clean, Tensor valid) =>
        Config.BlockSize is null ? TrainingLogits(noisy, valid) : BlockTrainingLogits(noisy, clean, valid);

    /// <summary>Which of the 2L states gives each noisy position's logits in <see cref="BlockTrainingLogits"/>.</summary>
    private Tensor StateIndex(long length, int size, Device device)
    {
        var index = new long[length];
        for (long i = 0; i < length; i++)
        {
            // Unshifted: the position itself. Shifted: its left neighbour, which for a block's first position is the
            // last clean state of the block before (the noisy one before it is not visible to it when sampled).
            index[i] = !Config.ShiftLogits ? i : i == 0 ? 0 : i % size == 0 ? length + i - 1 : i - 1;
        }

        return tensor(index, device: device);
    }

    /// <summary>Key padding mask, combined with the block-causal mask of <see cref="LladaConfig.BlockSize"/> when set.</summary>
    /// <remarks>Blocks count position ids, so a left-padded row's blocks are those it has alone.</remarks>
    private protected override Tensor? Allowed(Tensor? attentionMask, Tensor positions, long start, long w, long l)
    {
        var keyMask = Attention.KeyMask(attentionMask);
        if (Config.BlockSize is not { } size)
        {
            return keyMask;
        }

        var keyBlocks = positions.FloorDividedBy(size); // [B, L]
        return Attention.BlockCausal(keyMask, keyBlocks, keyBlocks[.., (int)start..(int)(start + w)]);
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
    private protected override Tensor Run(TransformerPass pass) => transformer.Run(pass);
}
