using TorchSharp;
using static TorchSharp.torch;

namespace DiffusionChat.Sampling;

/// <summary>
/// Random draws for a batch with one generator per row, on the model's device, so a row's draws depend only on its own
/// seed and not on which other rows share the batch (a prompt samples the same alone or in any batch). Every sampler
/// that draws per row uses this.
/// </summary>
/// <remarks>Not thread-safe; one instance per generation call. Dispose it to free the generators.</remarks>
internal sealed class RowNoise : IDisposable
{
    private readonly Generator[] generators;
    private readonly Device device;

    public RowNoise(IReadOnlyList<ulong> seeds, Device device)
    {
        generators = seeds.Select(s => new Generator(s, device)).ToArray();
        this.device = device;
    }

    /// <summary>Number of rows (generators).</summary>
    public int Rows => generators.Length;

    /// <summary>The device the draws are made on.</summary>
    public Device Device => device;

    /// <summary>float64 uniforms in [0, 1) of <paramref name="shape"/>, whose first dimension is the batch.</summary>
    public Tensor Uniform(long[] shape) => Uniform(shape, float64);

    /// <summary>Uniforms in [0, 1) of <paramref name="shape"/> (first dimension = batch) in <paramref name="dtype"/>.</summary>
    public Tensor Uniform(long[] shape, ScalarType dtype) =>
        PerRow(shape, (row, g) => rand(row, generator: g, dtype: dtype, device: device));

    /// <summary>Standard normals of <paramref name="shape"/> (first dimension = batch) in <paramref name="dtype"/>.</summary>
    public Tensor Normal(long[] shape, ScalarType dtype) =>
        PerRow(shape, (row, g) => randn(row, generator: g, dtype: dtype, device: device));

    public void Dispose()
    {
        foreach (var g in generators)
        {
            g.Dispose();
        }
    }

    /// <summary>Row r of the result is drawn from generator r, in row order.</summary>
    private Tensor PerRow(long[] shape, Func<long[], Generator, Tensor> draw)
    {
        if (shape[0] != generators.Length)
        {
            throw new ArgumentException($"Draw of {shape[0]} rows from noise for {generators.Length} rows.", nameof(shape));
        }

        using var scope = NewDisposeScope();
        var row = shape.ToArray();
        row[0] = 1;
        var parts = generators.Select(g => draw(row, g)).ToArray();
        return (parts.Length == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }
}
