using DiffusionChat.Sampling.Categorical;
using static TorchSharp.torch;

namespace DiffusionChat.Cli.Golden;

/// <summary>
/// Replays a reference run's recorded random choices in the order the sampler asks for them (token draws, uniforms,
/// position sets), so the run can be compared step by step. Each answer is checked for the shape the sampler asks.
/// </summary>
internal sealed class RecordedDraws(IReadOnlyList<Tensor> tokens, IReadOnlyList<Tensor> uniforms, IReadOnlyList<Tensor> subsets) : ICategoricalDraws
{
    private int nextToken;
    private int nextUniform;
    private int nextSubset;

    /// <summary>Whether every recorded draw was used.</summary>
    public bool AllUsed => nextToken == tokens.Count && nextUniform == uniforms.Count && nextSubset == subsets.Count;

    public Tensor Tokens(Tensor probabilities) => Take(tokens, ref nextToken, probabilities.shape[..^1], "token draws").to(probabilities.device);

    public Tensor Uniform(long[] shape, Device device) => Take(uniforms, ref nextUniform, shape, "uniforms").to(ScalarType.Float32, device, copy: true);

    public Tensor WithoutReplacement(Tensor weights, int count) => Take(subsets, ref nextSubset, [weights.shape[0], count], "position sets").to(weights.device);

    private static Tensor Take(IReadOnlyList<Tensor> recorded, ref int next, long[] shape, string what)
    {
        if (next >= recorded.Count)
        {
            throw new InvalidOperationException($"The sampler asked for more {what} than the {recorded.Count} recorded.");
        }

        var draw = recorded[next++];
        return draw.shape.SequenceEqual(shape)
            ? draw.clone()
            : throw new InvalidOperationException($"Recorded {what} are [{string.Join(", ", draw.shape)}] but the sampler asked for [{string.Join(", ", shape)}].");
    }
}
