using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// The SSD-LM denoiser (Han et al. 2023): a RoBERTa masked-LM that reads a block of noisy simplex logits, conditioned
/// on the diffusion timestep and on the clean context tokens before it, and predicts logits over the vocabulary for
/// every position ("equivalent score"). Parameter names equal the checkpoint keys (<c>roberta.*</c>,
/// <c>lm_head.*</c>, <c>embed_sum_layer.weight</c>, <c>timestep_layer.{weight,bias}</c>).
/// </summary>
/// <remarks>
/// Input of one call: context ids [B, C] (prompt + finished blocks, may be empty) enter as word embeddings; the noisy
/// block xt [B, L, V] enters as <c>embed_sum_layer(softmax(xt)) + timestep_layer(t / totalSteps)</c>; the two are
/// concatenated (context first) and fed to RoBERTa through its <c>inputs_embeds</c> path. Every tensor argument must be
/// on <see cref="Device"/>; nothing passed in is modified. The public forward methods run without gradients; training
/// goes through <see cref="TrainingScore"/> on a model from <see cref="Create"/>. Dropout is absent.
/// </remarks>
public sealed partial class SsdLmDenoiser : nn.Module, ISimplexDenoiser
{
#pragma warning disable IDE1006 // checkpoint key names
    private readonly RobertaModel roberta;
    private readonly RobertaLMHead lm_head;
    private readonly Linear embed_sum_layer;
    private readonly Linear timestep_layer;
#pragma warning restore IDE1006

    /// <summary>Creates a denoiser with freshly initialised weights on <paramref name="device"/>.</summary>
    /// <param name="config">The model configuration.</param>
    /// <param name="device">Where parameters live and computation runs; null means CPU.</param>
    /// <param name="dtype">Floating-point type of the parameters (float32 matches the reference).</param>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    public SsdLmDenoiser(SsdLmConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(SsdLmDenoiser))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!is_floating_point(dtype))
        {
            throw new ArgumentException($"dtype {dtype} is not a floating-point type; use Float32, Float16, BFloat16 or Float64.", nameof(dtype));
        }

        Config = config;
        roberta = new RobertaModel(config);
        lm_head = new RobertaLMHead(config);
        embed_sum_layer = nn.Linear(config.VocabSize, config.HiddenSize, hasBias: false);
        timestep_layer = nn.Linear(1, config.HiddenSize);
        RegisterComponents();
        Device = device ?? CPU;
        DType = dtype;
        this.to(dtype).to(Device);
        eval();
    }

    /// <summary>The model configuration.</summary>
    public SsdLmConfig Config { get; }

    /// <summary>The device holding the parameters; every input must be on it.</summary>
    public Device Device { get; }

    /// <summary>The parameters' floating-point type.</summary>
    public ScalarType DType { get; }

    /// <inheritdoc />
    int ISimplexDenoiser.VocabSize => Config.VocabSize;

    /// <inheritdoc />
    int ISimplexDenoiser.PadTokenId => Config.PadTokenId;

    /// <inheritdoc />
    int ISimplexDenoiser.MaxSequenceLength => Config.MaxSequenceLength;

    /// <summary>
    /// Checkpoint keys that may be present without a parameter of their own: the tied decoder copies and the
    /// position-id buffer (recomputed here).
    /// </summary>
    internal static IReadOnlyList<string> DerivedKeys { get; } =
        ["lm_head.decoder.weight", "lm_head.decoder.bias", "roberta.embeddings.position_ids"];

    /// <summary>Loads a denoiser from an opened checkpoint folder (config.json + safetensors).</summary>
    /// <param name="checkpoint">The checkpoint; its <c>config.json</c> must be a RoBERTa config.</param>
    /// <param name="device">Target device; null means CPU.</param>
    /// <param name="dtype">Parameter type.</param>
    /// <returns>The loaded denoiser in evaluation mode.</returns>
    /// <exception cref="CheckpointFormatException">
    /// The config is invalid, a tensor is missing, unexpected or mis-shaped, or the checkpoint's
    /// <c>lm_head.decoder.*</c> differ from the tensors they must be tied to.
    /// </exception>
    public static SsdLmDenoiser Load(CheckpointFolder checkpoint, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var config = SsdLmConfig.FromJson(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        var model = new SsdLmDenoiser(config, device, dtype);
        try
        {
            var ignored = DerivedKeys.Concat(checkpoint.TensorNames.Where(n => n.StartsWith("roberta.pooler.", StringComparison.Ordinal)));
            StateDictLoader.Load(model, checkpoint, ignoreUnexpected: ignored);
            model.CheckTiedCopy(checkpoint, "lm_head.decoder.weight", model.roberta.Embeddings.WordEmbeddingWeight);
            model.CheckTiedCopy(checkpoint, "lm_head.decoder.bias", model.lm_head.Bias);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Opens the checkpoint folder at <paramref name="directory"/> and loads a denoiser from it.</summary>
    /// <inheritdoc cref="Load(CheckpointFolder, Device?, ScalarType)"/>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="device">Target device; null means CPU.</param>
    /// <param name="dtype">Parameter type.</param>
    public static SsdLmDenoiser Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var checkpoint = CheckpointFolder.Open(directory);
        return Load(checkpoint, device, dtype);
    }

    /// <summary>
    /// What enters RoBERTa: <c>cat(word_embeddings[context], embed_sum_layer(softmax(xt)) + timestep_layer(t/T))</c>.
    /// </summary>
    /// <param name="contextIds">Context token ids [B, C], int64; C may be 0.</param>
    /// <param name="simplexLogits">The noisy block xt [B, L, V] (logits whose softmax is a point of the simplex).</param>
    /// <param name="timesteps">Current timestep t per row [B] (1..T; fractional values allowed).</param>
    /// <param name="totalSteps">T, the number of diffusion steps the timestep is relative to.</param>
    /// <returns>[B, C + L, H], owned by the caller.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not fit (the message names it).</exception>
    public Tensor InputsEmbeds(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps)
    {
        Validate(contextIds, simplexLogits, timesteps, totalSteps, attentionMask: null);
        using var noGrad = no_grad();
        return Embed(contextIds, simplexLogits, timesteps, totalSteps);
    }

    /// <summary><see cref="InputsEmbeds"/> without validation, recording gradients when the caller does.</summary>
    private Tensor Embed(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps)
    {
        using var scope = NewDisposeScope();
        long batch = simplexLogits.shape[0], length = simplexLogits.shape[1];
        var simplex = nn.functional.softmax(simplexLogits.to_type(DType), -1);
        var progress = timesteps.to_type(DType).DividedBy(totalSteps).view(batch, 1, 1).expand(batch, length, 1);
        var noisy = embed_sum_layer.call(simplex).Plus(timestep_layer.call(progress));
        var context = roberta.Embeddings.Words(contextIds);
        return cat([context, noisy], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Full RoBERTa masked-LM logits over context and block positions.</summary>
    /// <inheritdoc cref="InputsEmbeds"/>
    /// <param name="contextIds">Context token ids [B, C], int64; C may be 0.</param>
    /// <param name="simplexLogits">The noisy block xt [B, L, V].</param>
    /// <param name="timesteps">Current timestep t per row [B].</param>
    /// <param name="totalSteps">T, the number of diffusion steps.</param>
    /// <param name="attentionMask">
    /// Optional [B, C + L] (1/true = real token, 0/false = padding) for batches whose contexts were left-padded to
    /// a common length: padded keys are not attended to and real tokens keep the positions they would have alone
    /// (RoBERTa's <c>create_position_ids_from_input_ids</c> numbering). Null means nothing is padded.
    /// </param>
    /// <returns>Logits [B, C + L, V], owned by the caller.</returns>
    public Tensor Logits(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hidden = Hidden(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);
        return lm_head.call(hidden, roberta.Embeddings.WordEmbeddingWeight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The block's predicted logits ("equivalent score" in the reference): <see cref="Logits"/> without the context
    /// positions, [B, L, V].
    /// </summary>
    /// <remarks>
    /// The vocabulary projection runs on the block positions only, which saves (C / (C + L)) of the LM head's work
    /// (the largest matrix for long contexts: V x H per position).
    /// </remarks>
    /// <inheritdoc cref="Logits"/>
    public Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null)
    {
        using var noGrad = no_grad();
        return BlockScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);
    }

    /// <summary><see cref="EquivalentScore"/> that records gradients when the caller does (no <c>no_grad</c> inside).</summary>
    private Tensor BlockScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = Hidden(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);
        var block = hidden.narrow(1, contextIds.shape[1], simplexLogits.shape[1]);
        return lm_head.call(block, roberta.Embeddings.WordEmbeddingWeight).MoveToOuterDisposeScope();
    }

    /// <summary>RoBERTa's last hidden states over context and block, [B, C + L, H].</summary>
    private Tensor Hidden(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask)
    {
        Validate(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);
        using var scope = NewDisposeScope();
        var embeds = Embed(contextIds, simplexLogits, timesteps, totalSteps);
        long batch = embeds.shape[0], length = embeds.shape[1];

        Tensor positions;
        Tensor? additiveMask = null;
        if (attentionMask is null)
        {
            positions = HeldScalars.Range(Config.PadTokenId + 1, Config.PadTokenId + 1 + length, ScalarType.Int64, Device).unsqueeze(0);
        }
        else
        {
            var keep = attentionMask.to_type(ScalarType.Int64);
            positions = (keep.cumsum(1) * keep).Plus(Config.PadTokenId);
            additiveMask = zeros([batch, 1, 1, length], DType, Device)
                .FillMasked(keep.IsEqualTo(0).view(batch, 1, 1, length), finfo(DType).min);
        }

        return roberta.call(embeds, positions, additiveMask).MoveToOuterDisposeScope();
    }

    private void Validate(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask)
    {
        ArgumentNullException.ThrowIfNull(contextIds);
        ArgumentNullException.ThrowIfNull(simplexLogits);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (simplexLogits.dim() != 3 || simplexLogits.shape[2] != Config.VocabSize || simplexLogits.shape[1] < 1 || !simplexLogits.is_floating_point())
        {
            throw new ArgumentException(
                $"simplexLogits must be a floating-point [B, L >= 1, {Config.VocabSize}] tensor, got {simplexLogits.dtype}{Shape(simplexLogits)}.", nameof(simplexLogits));
        }

        long batch = simplexLogits.shape[0];
        if (contextIds.dim() != 2 || contextIds.shape[0] != batch || contextIds.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"contextIds must be an int64 [{batch}, C] tensor, got {contextIds.dtype}{Shape(contextIds)}.", nameof(contextIds));
        }

        if (timesteps.dim() != 1 || timesteps.shape[0] != batch || !timesteps.is_floating_point())
        {
            throw new ArgumentException($"timesteps must be a floating-point [{batch}] tensor, got {timesteps.dtype}{Shape(timesteps)}.", nameof(timesteps));
        }

        long length = contextIds.shape[1] + simplexLogits.shape[1];
        if (length > Config.MaxSequenceLength)
        {
            throw new ArgumentException(
                $"context ({contextIds.shape[1]}) + block ({simplexLogits.shape[1]}) = {length} positions exceed the model's {Config.MaxSequenceLength} " +
                $"(max_position_embeddings {Config.MaxPositions} minus RoBERTa's offset pad_token_id + 1).", nameof(contextIds));
        }

        if (attentionMask is not null && (attentionMask.dim() != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != length))
        {
            throw new ArgumentException($"attentionMask must be [{batch}, {length}], got {Shape(attentionMask)}.", nameof(attentionMask));
        }

        foreach (var (tensor, name) in new[] { (contextIds, nameof(contextIds)), (simplexLogits, nameof(simplexLogits)), (timesteps, nameof(timesteps)), (attentionMask, nameof(attentionMask)) })
        {
            if (tensor is not null && !OnModelDevice(tensor))
            {
                throw new ArgumentException($"{name} is on {tensor.device} but the model is on {Device}; create inputs on the model's device.", name);
            }
        }
    }

    private bool OnModelDevice(Tensor tensor) =>
        tensor.device_type == Device.type && (Device.type == DeviceType.CPU || tensor.device_index == Device.index || Device.index < 0);

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private void CheckTiedCopy(CheckpointFolder checkpoint, string key, Tensor tiedTo)
    {
        if (!checkpoint.Contains(key))
        {
            return;
        }

        using var scope = NewDisposeScope();
        var stored = checkpoint.Load(key, DType, Device);
        if (!stored.shape.SequenceEqual(tiedTo.shape) || !stored.allclose(tiedTo, rtol: 0, atol: 0))
        {
            throw new CheckpointFormatException(checkpoint.Directory, key,
                "differs from the tensor it is tied to in RoBERTa (word embeddings / lm_head.bias); untied LM heads are not supported.");
        }
    }
}
