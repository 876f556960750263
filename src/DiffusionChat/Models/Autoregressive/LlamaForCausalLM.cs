using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Models.Autoregressive;

/// <summary>
/// A LLaMA-style next-token model (RMSNorm, RoPE, SwiGLU, causal attention, optional GQA) whose state-dict names equal
/// Hugging Face <c>LlamaForCausalLM</c> checkpoint keys (<c>model.layers.0.self_attn.q_proj.weight</c>, ...).
/// </summary>
/// <remarks>
/// <see cref="forward(Tensor)"/> is the training path (plain causal attention over full rows);
/// <see cref="Forward(Tensor, Tensor, KeyValueCache?)"/> handles left padding and a <see cref="KeyValueCache"/> for decoding.
/// </remarks>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1307, CA1051 // Field names are the checkpoint keys.
    /// <summary>The decoder stack.</summary>
    public readonly LlamaModel model;

    /// <summary>Output projection, absent when the embedding is tied.</summary>
    public readonly Linear? lm_head;
#pragma warning restore IDE1006, SA1307, CA1051

    /// <summary>Creates a model with freshly initialised weights on the CPU (use <c>.to(device)</c> to move it).</summary>
    public LlamaForCausalLM(LlamaConfig config)
        : base(nameof(LlamaForCausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config.Validate();
        model = new LlamaModel("model", config);
        if (!config.TieWordEmbeddings)
        {
            lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        }

        RegisterComponents();
    }

    /// <summary>The hyper-parameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>Loads <c>config.json</c> and weights from a Hugging Face-layout folder onto <paramref name="device"/>.</summary>
    /// <param name="checkpoint">The opened folder.</param>
    /// <param name="device">Where the weights live.</param>
    /// <returns>The model in evaluation mode.</returns>
    /// <exception cref="CheckpointFormatException">A tensor is missing, unexpected or mis-shaped.</exception>
    /// <exception cref="FormatException">config.json lacks a field.</exception>
    public static LlamaForCausalLM FromCheckpoint(CheckpointFolder checkpoint, Device device)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(device);
        var config = LlamaConfig.FromJson(checkpoint.Config);
        var result = new LlamaForCausalLM(config);
        try
        {
            result.to(device);
            StateDictLoader.Load(result, checkpoint, ignoreUnexpected: config.TieWordEmbeddings ? ["lm_head.weight"] : null);
            result.eval();
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Logits for full rows with plain causal attention (training): [batch, tokens] ids to [batch, tokens, vocab].</summary>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var tokens = input.shape[1];
        var positions = HeldScalars.Range(0, tokens, ScalarType.Int64, input.device).unsqueeze(0).expand(input.shape[0], tokens);
        var allowed = ones(tokens, tokens, ScalarType.Bool, input.device).tril().unsqueeze(0).unsqueeze(0); // [1, 1, T, T]
        return Logits(model.Forward(input, positions, allowed, null)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits of new tokens given which positions (cached and new) hold real tokens; appends to the cache.</summary>
    /// <param name="inputIds">New token ids [batch, tokens] (left padding allowed).</param>
    /// <param name="keyValid">Bool [batch, cached + tokens]: false marks padding, which nothing attends to.</param>
    /// <param name="cache">The cache of the earlier positions (appended to), or null when there are none.</param>
    /// <returns>[batch, tokens, vocab].</returns>
    /// <remarks>
    /// Position ids count real tokens only, so a left-padded prompt gets the same positions as unpadded. Padding
    /// queries see themselves only, which keeps their rows finite (a fully masked row would turn into NaN and leak
    /// through the cache).
    /// </remarks>
    public Tensor Forward(Tensor inputIds, Tensor keyValid, KeyValueCache? cache)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(keyValid);
        var past = cache?.Length ?? 0;
        var tokens = inputIds.shape[1];
        if (keyValid.shape.Length != 2 || keyValid.shape[0] != inputIds.shape[0] || keyValid.shape[1] != past + tokens)
        {
            throw new ArgumentException(
                $"keyValid must be [batch={inputIds.shape[0]}, cached+tokens={past + tokens}], got [{string.Join(", ", keyValid.shape)}].", nameof(keyValid));
        }

        using var scope = NewDisposeScope();
        var device = inputIds.device;
        var positions = keyValid.to(ScalarType.Int64).cumsum(1).Minus(1).ClampMin(0)[TensorIndex.Ellipsis, TensorIndex.Slice(past)]; // [B, T]
        var queryIndex = HeldScalars.Range(past, past + tokens, ScalarType.Int64, device).unsqueeze(1); // [T, 1]
        var keyIndex = HeldScalars.Range(0, past + tokens, ScalarType.Int64, device).unsqueeze(0); // [1, S]
        var causal = keyIndex.le(queryIndex); // [T, S]
        var self = keyIndex.eq(queryIndex);
        var allowed = causal.unsqueeze(0).logical_and(keyValid.unsqueeze(1)).logical_or(self.unsqueeze(0)).unsqueeze(1); // [B, 1, T, S]
        return Logits(model.Forward(inputIds, positions, allowed, cache)).MoveToOuterDisposeScope();
    }

    private Tensor Logits(Tensor hidden) =>
        lm_head is null ? matmul(hidden, model.embed_tokens.weight!.t()) : lm_head.forward(hidden);
}
