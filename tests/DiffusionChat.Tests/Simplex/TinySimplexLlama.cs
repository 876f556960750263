using DiffusionChat.Models.Autoregressive;
using DiffusionChat.Models.Simplex;
using DiffusionChat.Sampling.Simplex;
using static TorchSharp.torch;

namespace DiffusionChat.Tests.Simplex;

/// <summary>
/// A tiny random <see cref="SimplexLlamaDenoiser"/> (vocab 64, hidden 32, 2 layers, GQA 4/2, 64 positions, shifted
/// logits) with weights drawn at std 0.3 (timestep layer included), so its outputs vary with the input, the noise and the timestep; one per test class.
/// </summary>
public sealed class TinySimplexLlama : IDisposable
{
    public TinySimplexLlama()
    {
        Model = SimplexLlamaDenoiser.Create(Config, CPU, seed: 3);
        using var generator = new TorchSharp.torch.Generator(4);
        using (no_grad())
        {
            foreach (var (name, parameter) in Model.named_parameters())
            {
                parameter.requires_grad = false;
                if (name.StartsWith("timestep_layer.", StringComparison.Ordinal) || parameter.dim() == 2)
                {
                    // Larger than the training init, so the random model's outputs vary with input and noise.
                    parameter.normal_(0, 0.3, generator);
                }
            }
        }

        SelfConditioned = new SimplexLlamaDenoiser(Config with { SelfConditioning = true });
        SelfConditioned.load_state_dict(Model.state_dict());
    }

    public static SimplexLlamaConfig Config { get; } =
        new(new LlamaConfig(64, 32, 64, 2, 4, 2, 64) { PadTokenId = 63, EosTokenId = 62, TieWordEmbeddings = true }, ShiftLogits: true);

    public SimplexLlamaDenoiser Model { get; }

    /// <summary>The same weights with <c>self_conditioning</c> on.</summary>
    public SimplexLlamaDenoiser SelfConditioned { get; }

    public SimplexLlamaDenoiser Pick(bool selfConditioned) => selfConditioned ? SelfConditioned : Model;

    /// <summary>Small, fast settings: 3 blocks of 4 tokens, 6 steps each.</summary>
    public static SimplexSamplerOptions FastOptions { get; } = new()
    {
        BlockLength = 4,
        Steps = 6,
        MaxBlocks = 3,
        TopP = 0.5,
    };

    public GeneratorNoiseSource Noise(params ulong[] rowSeeds) => new(Model.Device, rowSeeds);

    public void Dispose()
    {
        Model.Dispose();
        SelfConditioned.Dispose();
    }
}
