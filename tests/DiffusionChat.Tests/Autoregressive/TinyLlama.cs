using DiffusionChat.Models.Autoregressive;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Autoregressive;

/// <summary>Tiny randomly initialised models for fast tests.</summary>
internal static class TinyLlama
{
    public static LlamaConfig Config(int keyValueHeads = 2, bool tied = true) =>
        new(VocabSize: 50, HiddenSize: 32, IntermediateSize: 64, NumHiddenLayers: 2, NumAttentionHeads: 4, NumKeyValueHeads: keyValueHeads, MaxPositionEmbeddings: 64)
        {
            TieWordEmbeddings = tied,
        };

    public static LlamaForCausalLM Create(int seed = 0, int keyValueHeads = 2, bool tied = true)
    {
        var model = new LlamaForCausalLM(Config(keyValueHeads, tied));
        using (no_grad())
        {
            // Deterministic, larger-than-default weights so logits are spread out and greedy choices are stable.
            using var generator = new Generator((ulong)seed);
            foreach (var (_, parameter) in model.named_parameters())
            {
                using var values = randn(parameter.shape, generator: generator) * (parameter.shape.Length == 1 ? 0.1 : 0.5);
                parameter.add_(values);
            }
        }

        model.eval();
        return model;
    }
}
