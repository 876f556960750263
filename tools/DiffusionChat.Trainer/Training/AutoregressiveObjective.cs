using System.Text.Json.Nodes;
using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Sampling.Autoregressive;
using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Trainer.Training;

/// <summary>Next-token prediction with <see cref="LlamaForCausalLM"/>: cross-entropy of token t+1 given tokens up to t, on loss-mask targets.</summary>
internal sealed class AutoregressiveObjective : ITrainingObjective
{
    private readonly LlamaForCausalLM model;
    private readonly int stopTokenId;
    private readonly int padTokenId;

    /// <summary>Creates the objective and its freshly initialised model on <paramref name="device"/>.</summary>
    public AutoregressiveObjective(LlamaConfig config, Device device, int stopTokenId, int padTokenId, Generator initGenerator)
    {
        ArgumentNullException.ThrowIfNull(config);
        model = new LlamaForCausalLM(config);
        Initialize(model, config, initGenerator);
        model.to(device);
        this.stopTokenId = stopTokenId;
        this.padTokenId = padTokenId;
    }

    /// <inheritdoc />
    public string Name => "ar";

    /// <inheritdoc />
    public nn.Module Model => model;

    /// <inheritdoc />
    public JsonObject ModelConfig => model.Config.ToJson();

    /// <inheritdoc />
    public Tensor Loss(TrainingBatch batch, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var logits = model.forward(batch.InputIds[TensorIndex.Colon, TensorIndex.Slice(0, -1)]); // [B, T-1, V]
        return NextTokenLoss.Mean(logits, batch).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<int>> Complete(IReadOnlyList<IReadOnlyList<int>> prompts, int maxNewTokens, CancellationToken cancellationToken)
    {
        model.eval();
        try
        {
            var maxPrompt = prompts.Count == 0 ? 0 : prompts.Max(p => p.Count);
            var budget = Math.Min(maxNewTokens, model.Config.MaxPositionEmbeddings - maxPrompt);
            var options = new DecodingOptions(Math.Max(1, budget), [stopTokenId], padTokenId);
            return CausalDecoder.Generate(model, prompts, options, cancellationToken).Select(s => s.Tokens).ToList();
        }
        finally
        {
            model.train();
        }
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();

    /// <summary>GPT-2-style init: normal(0, 0.02) weights, output projections scaled by 1/sqrt(2 * layers), unit norms.</summary>
    private static void Initialize(LlamaForCausalLM model, LlamaConfig config, Generator generator)
    {
        using var noGrad = no_grad();
        var residualStd = 0.02 / Math.Sqrt(2.0 * config.NumHiddenLayers);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.shape.Length == 1)
            {
                parameter.FillWith(1.0);
            }
            else
            {
                var std = name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02;
                parameter.normal_(0, std, generator);
            }
        }
    }
}
