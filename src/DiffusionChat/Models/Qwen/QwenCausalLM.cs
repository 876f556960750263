using DiffusionChat.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiffusionChat.Models.Qwen;

/// <summary>
/// The whole Qwen network as the checkpoints store it: <c>model.*</c> (<see cref="QwenModel"/>) and <c>lm_head</c>
/// (absent when tied). State-dict names equal the checkpoint keys, so loading is a name match.
/// </summary>
internal sealed class QwenCausalLM : nn.Module
{
#pragma warning disable IDE1006, SA1300 // field names are the checkpoint's
    private readonly QwenModel model;
    private readonly Linear? lm_head;
#pragma warning restore IDE1006, SA1300

    /// <summary>Builds the network with freshly initialised weights (on the <c>meta</c> device: the checkpoint layout only).</summary>
    internal QwenCausalLM(QwenConfig config, Device device, ScalarType dtype) : base(nameof(QwenCausalLM))
    {
        Config = config;
        model = new QwenModel(config, device, dtype);
        lm_head = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public QwenConfig Config { get; }

    /// <summary>Builds the network from <paramref name="config"/> and loads the checkpoint's weights, in evaluation mode.</summary>
    /// <exception cref="CheckpointFormatException">A tensor is missing, unexpected or mis-shaped.</exception>
    public static QwenCausalLM Load(CheckpointFolder checkpoint, QwenConfig config, Device device, ScalarType dtype)
    {
        var network = new QwenCausalLM(config, device, dtype);
        try
        {
            network.eval();
            // Some tied checkpoints still carry a copy of the embedding as lm_head.weight.
            StateDictLoader.Load(network, checkpoint, ignoreUnexpected: config.TieWordEmbeddings ? ["lm_head.weight"] : null);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Final normed hidden states [B, W, D]; see <see cref="QwenModel.Forward"/>.</summary>
    public Tensor Hidden(Tensor ids, Tensor positions, Tensor? allowed, KeyValueCache? cache, bool store, long? windowStart = null, List<(Tensor Keys, Tensor Values)>? fresh = null) =>
        model.Forward(ids, positions, allowed, cache, store, windowStart, fresh);

    /// <summary>Logits [..., V] of final hidden states.</summary>
    public Tensor Project(Tensor states) => lm_head is null ? nn.functional.linear(states, model.EmbeddingTable) : lm_head.forward(states);
}
