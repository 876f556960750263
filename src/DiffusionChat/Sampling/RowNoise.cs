using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Sampling;

/// <summary>
/// Uniform random draws for a batch with one generator per row, so a row's draws depend only on its own seed and not on
/// which other rows share the batch.
/// </summary>
internal sealed class RowNoise : IDisposable
{
    private readonly Generator[] generators;
    private readonly Device device;

    public RowNoise(IReadOnlyList<ulong> seeds, Device device)
    {
        generators = seeds.Select(s => new Generator(s, device)).ToArray();
        this.device = device;
    }

    /// <summary>float64 uniforms in [0, 1) of <paramref name="shape"/>, whose first dimension is the batch.</summary>
    public Tensor Uniform(long[] shape)
    {
        if (shape[0] != generators.Length)
        {
            throw new ArgumentException($"Draw of {shape[0]} rows from noise for {generators.Length} rows.", nameof(shape));
        }

        using var scope = NewDisposeScope();
        var row = shape.ToArray();
        row[0] = 1;
        var parts = generators.Select(g => rand(row, generator: g, dtype: float64, device: device)).ToArray();
        return (parts.Length == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var g in generators)
        {
            g.Dispose();
        }
    }
}
