using DiffusionChat.Checkpoints;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Simplex;

/// <summary>
/// A simplex-diffusion denoiser (SSD-LM's objective, Han et al. 2023) on our LLaMA-style decoder: the noisy block
/// enters as <c>softmax(x_t) @ embed_tokens + timestep_layer(t / T)</c>, the context as plain token embeddings, and the
/// block's logits are scored with the same embedding table. Parameter names are the checkpoint keys
/// (<c>model.embed_tokens.weight</c>, <c>model.layers.N.*</c>, <c>model.norm.weight</c> exactly as in a
/// <c>LlamaForCausalLM</c> folder, plus <c>timestep_layer.{weight,bias}</c>), so an AR model's weights load by name.
/// </summary>
/// <remarks>
/// <para>Attention over one call's context (C tokens) and block (L positions): a context position sees the context
/// positions up to itself (causal, as in the AR model it may start from); a block position sees the whole context and
/// the whole block (bidirectional within the block being denoised). Left-padded keys are never seen and position ids
/// count real tokens only, so a padded row computes what it would alone.</para>
/// <para>With <see cref="SimplexLlamaConfig.ShiftLogits"/> block token j is scored from the hidden state at the position
/// before it: the first from the last context token (from itself in a row without context), the others from block
/// position j - 1. Equivalence with the AR model it starts from (timestep layer zero, a one-hot simplex such as
/// <c>softmax(K * (2 * one_hot - 1))</c> with K large enough that the softmax is exactly one-hot): the input vectors are the
/// AR model's token embeddings, the context positions attend to what they attend to in the AR model, so their hidden
/// states are the AR model's over context + block tokens, and the first shifted score is the AR model's next-token
/// logits after the context, whatever the block holds. Block positions also see the block tokens after them, which
/// the AR model hides, so their states differ from the AR model's, except in a block of one token.</para>
/// <para>Every tensor argument must be on <see cref="Device"/>; nothing passed in is modified. The public forward methods run without
/// gradients (except <see cref="TrainingScore(Tensor, Tensor, Tensor, int, Tensor?)"/>); thread-safe for inference. No dropout.</para>
/// </remarks>
public sealed partial class SimplexLlamaDenoiser : nn.Module, ISelfConditionedSimplexDenoiser
{
#pragma warning disable IDE1006 // checkpoint key names
    private readonly LlamaModel model;
    private readonly Linear timestep_layer;
#pragma warning restore IDE1006

    /// <summary>Creates a denoiser with untrained weights (timestep layer zero) in evaluation mode.</summary>
    /// <param name="config">The architecture; validated.</param>
    /// <param name="device">Where the weights live; null means CPU.</param>
    /// <param name="dtype">Floating-point type of the weights.</param>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not floating-point, or the config is invalid.</exception>
    public SimplexLlamaDenoiser(SimplexLlamaConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(SimplexLlamaDenoiser))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!is_floating_point(dtype))
        {
            throw new ArgumentException($"dtype {dtype} is not a floating-point type; use Float32, Float16, BFloat16 or Float64.", nameof(dtype));
        }

        Config = config.Validate();
        model = new LlamaModel("model", config.Decoder);
        timestep_layer = nn.Linear(1, config.Decoder.HiddenSize);
        RegisterComponents();
        using (no_grad())
        {
            // Zero: the timestep adds nothing until training teaches it, so the start is the decoder's own computation.
            timestep_layer.weight!.zero_();
            timestep_layer.bias!.zero_();
        }

        Device = device ?? CPU;
        DType = dtype;
        this.to(dtype).to(Device);
        eval();
    }

    /// <summary>The configuration.</summary>
    public SimplexLlamaConfig Config { get; }

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public ScalarType DType { get; }

    /// <summary>The decoder stack (<c>model.*</c> keys), for loading an AR model's weights into it.</summary>
    internal LlamaModel Decoder => model;

    /// <inheritdoc />
    public bool SelfConditioning => Config.SelfConditioning;

    /// <inheritdoc />
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public int PadTokenId => Config.PadTokenId;

    /// <inheritdoc />
    public int MaxSequenceLength => Config.MaxSequenceLength;

    /// <summary>Loads a denoiser from an opened checkpoint folder (<c>model_type</c> <c>simplex-llama</c>).</summary>
    /// <param name="checkpoint">The checkpoint.</param>
    /// <param name="device">Target device; null means CPU.</param>
    /// <param name="dtype">Weight type.</param>
    /// <returns>The denoiser in evaluation mode.</returns>
    /// <exception cref="CheckpointFormatException">The config is invalid (the message names the field and value), or a tensor is missing, unexpected or mis-shaped.</exception>
    public static SimplexLlamaDenoiser Load(CheckpointFolder checkpoint, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var config = SimplexLlamaConfig.FromJson(checkpoint.Config, Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile));
        var denoiser = new SimplexLlamaDenoiser(config, device, dtype);
        try
        {
            StateDictLoader.Load(denoiser, checkpoint);
            return denoiser;
        }
        catch
        {
            denoiser.Dispose();
            throw;
        }
    }

    /// <summary>Opens the folder at <paramref name="directory"/> and loads the denoiser from it.</summary>
    /// <inheritdoc cref="Load(CheckpointFolder, Device?, ScalarType)"/>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="device">Target device; null means CPU.</param>
    /// <param name="dtype">Weight type.</param>
    public static SimplexLlamaDenoiser Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var checkpoint = CheckpointFolder.Open(directory);
        return Load(checkpoint, device, dtype);
    }

    /// <inheritdoc />
    public Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null) =>
        EquivalentScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore: null);

    /// <inheritdoc />
    public Tensor EquivalentScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore)
    {
        using var noGrad = no_grad();
        return BlockScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore);
    }

    /// <inheritdoc />
    public Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null) =>
        BlockScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore: null);

    /// <inheritdoc />
    public Tensor TrainingScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore) =>
        BlockScore(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore);

    /// <summary>
    /// Unshifted logits of every position, context and block, [B, C + L, V]: position i's hidden state scored with the
    /// embedding table (what an AR model reads as the next-token prediction after position i).
    /// </summary>
    /// <inheritdoc cref="EquivalentScore(Tensor, Tensor, Tensor, int, Tensor?)"/>
    public Tensor Logits(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (hidden, _) = Hidden(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore: null);
        return Score(hidden).MoveToOuterDisposeScope();
    }

    private Tensor BlockScore(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore)
    {
        using var scope = NewDisposeScope();
        var (hidden, keyValid) = Hidden(contextIds, simplexLogits, timesteps, totalSteps, attentionMask, previousScore);
        long context = contextIds.shape[1], length = simplexLogits.shape[1];
        if (!Config.ShiftLogits)
        {
            return Score(hidden.narrow(1, context, length)).MoveToOuterDisposeScope();
        }

        // Block token j from position C + j - 1; the first from the last context token, or from itself without context.
        var first = hidden.narrow(1, context, 1);
        if (context > 0)
        {
            var hasContext = keyValid.narrow(1, context - 1, 1).unsqueeze(-1); // [B, 1, 1]; left padding: the last column is real iff the row has context
            first = where(hasContext, hidden.narrow(1, context - 1, 1), first);
        }

        var source = length == 1 ? first : cat([first, hidden.narrow(1, context, length - 1)], 1);
        return Score(source).MoveToOuterDisposeScope();
    }

    private Tensor Score(Tensor hidden) => hidden.matmul(model.embed_tokens.weight!.t());

    /// <summary>Final (normed) hidden states over context and block [B, C + L, H] and which keys are real [B, C + L].</summary>
    private (Tensor Hidden, Tensor KeyValid) Hidden(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask, Tensor? previousScore)
    {
        Validate(contextIds, simplexLogits, timesteps, totalSteps, attentionMask);
        if (previousScore is not null)
        {
            if (!Config.SelfConditioning)
            {
                throw new InvalidOperationException("previousScore was given, but this model has no self-conditioning (config self_conditioning false).");
            }

            if (!previousScore.shape.SequenceEqual(simplexLogits.shape) || !previousScore.is_floating_point())
            {
                throw new ArgumentException($"previousScore must be a floating-point tensor shaped like simplexLogits {Shape(simplexLogits)}, got {previousScore.dtype}{Shape(previousScore)}.", nameof(previousScore));
            }
        }

        using var scope = NewDisposeScope();
        long batch = simplexLogits.shape[0], context = contextIds.shape[1], length = simplexLogits.shape[1], total = context + length;
        var table = model.embed_tokens.weight!;

        // SSD-LM's input: the simplex point's expected embedding plus the timestep embedding, on block positions only.
        var simplex = nn.functional.softmax(simplexLogits.to_type(DType), -1); // [B, L, V]
        if (previousScore is not null)
        {
            // Self-conditioning: the mean of the two simplex points stays on the simplex (TESS's "logits_mean" on probabilities).
            simplex = simplex.Plus(nn.functional.softmax(previousScore.to_type(DType), -1)).Times(0.5);
        }

        var progress = timesteps.to_type(DType).DividedBy(totalSteps).view(batch, 1, 1).expand(batch, length, 1);
        var noisy = simplex.matmul(table).Plus(timestep_layer.call(progress)); // [B, L, H]
        var embeds = cat([model.embed_tokens.call(contextIds), noisy], 1); // [B, C + L, H]

        var keyValid = attentionMask is null ? ones([batch, total], ScalarType.Bool, Device) : attentionMask.to_type(ScalarType.Bool);
        var positions = keyValid.to_type(ScalarType.Int64).cumsum(1).Minus(1L).ClampMin(0L); // real tokens count from 0, as in the AR model
        var queryIndex = HeldScalars.Range(0, total, ScalarType.Int64, Device).unsqueeze(1); // [S, 1]
        var keyIndex = HeldScalars.Range(0, total, ScalarType.Int64, Device).unsqueeze(0); // [1, S]
        var seen = keyIndex.le(queryIndex).logical_or(queryIndex.IsAtLeast(context)); // causal context, bidirectional block
        var self = keyIndex.eq(queryIndex); // a padded query sees itself, so its row stays finite
        var allowed = seen.unsqueeze(0).logical_and(keyValid.unsqueeze(1)).logical_or(self.unsqueeze(0)).unsqueeze(1); // [B, 1, S, S]
        var hidden = model.ForwardEmbeds(embeds, positions, allowed, cache: null);
        return (hidden.MoveToOuterDisposeScope(), keyValid.MoveToOuterDisposeScope());
    }

    private void Validate(Tensor contextIds, Tensor simplexLogits, Tensor timesteps, int totalSteps, Tensor? attentionMask)
    {
        ArgumentNullException.ThrowIfNull(contextIds);
        ArgumentNullException.ThrowIfNull(simplexLogits);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (simplexLogits.dim() != 3 || simplexLogits.shape[2] != VocabSize || simplexLogits.shape[1] < 1 || !simplexLogits.is_floating_point())
        {
            throw new ArgumentException($"simplexLogits must be a floating-point [B, L >= 1, {VocabSize}] tensor, got {simplexLogits.dtype}{Shape(simplexLogits)}.", nameof(simplexLogits));
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

        long total = contextIds.shape[1] + simplexLogits.shape[1];
        if (total > MaxSequenceLength)
        {
            throw new ArgumentException(
                $"context ({contextIds.shape[1]}) + block ({simplexLogits.shape[1]}) = {total} positions exceed the model's {MaxSequenceLength} (max_position_embeddings).", nameof(contextIds));
        }

        if (attentionMask is not null && (attentionMask.dim() != 2 || attentionMask.shape[0] != batch || attentionMask.shape[1] != total))
        {
            throw new ArgumentException($"attentionMask must be [{batch}, {total}], got {Shape(attentionMask)}.", nameof(attentionMask));
        }

        foreach (var (tensor, name) in new[] { (contextIds, nameof(contextIds)), (simplexLogits, nameof(simplexLogits)), (timesteps, nameof(timesteps)), (attentionMask, nameof(attentionMask)) })
        {
            if (tensor is not null && !(tensor.device_type == Device.type && (Device.type == DeviceType.CPU || tensor.device_index == Device.index || Device.index < 0)))
            {
                throw new ArgumentException($"{name} is on {tensor.device} but the model is on {Device}; create inputs on the model's device.", name);
            }
        }
    }

    private static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
