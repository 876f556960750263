using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Categorical;

/// <summary>Draws from one seeded generator on the model's device (<c>torch.multinomial</c> / <c>torch.rand</c>).</summary>
internal sealed class GeneratorDraws : ICategoricalDraws, IDisposable
{
    private readonly Generator generator;

    public GeneratorDraws(ulong seed, Device device)
    {
        generator = new Generator(seed, device);
    }

    public Tensor Tokens(Tensor probabilities)
    {
        using var scope = NewDisposeScope();
        var flat = probabilities.reshape(-1, probabilities.shape[^1]);
        var drawn = multinomial(flat, 1, replacement: false, generator: generator);
        return drawn.view(probabilities.shape[..^1]).MoveToOuterDisposeScope();
    }

    public Tensor Uniform(long[] shape, Device device) => rand(shape, generator: generator, dtype: ScalarType.Float32, device: device);

    public Tensor WithoutReplacement(Tensor weights, int count) => multinomial(weights, count, replacement: false, generator: generator);

    public void Dispose() => generator.Dispose();
}
