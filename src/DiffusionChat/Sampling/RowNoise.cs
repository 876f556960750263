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
    private Generator[] generators;
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

    /// <summary>
    /// Rows that draw nothing for now (null = none): their draws are zeros and their generators do not advance, so a
    /// row that sits in a shared pass without masks of its own (the block-causal sampler's batch) draws as it would alone.
    /// </summary>
    public IReadOnlyList<bool>? Idle { get; set; }

    /// <summary>Keeps the generators of <paramref name="rows"/> (in that order) and frees the others.</summary>
    /// <param name="rows">Row indices to keep.</param>
    public void Retain(IReadOnlyList<int> rows)
    {
        var kept = rows.Select(r => generators[r]).ToArray();
        foreach (var dropped in generators.Except(kept))
        {
            dropped.Dispose();
        }

        generators = kept;
        Idle = null;
    }

    /// <summary>float64 uniforms in [0, 1) of <paramref name="shape"/>, whose first dimension is the batch.</summary>
    public Tensor Uniform(long[] shape) => Uniform(shape, float64);

    /// <summary>Uniforms in [0, 1) of <paramref name="shape"/> (first dimension = batch) in <paramref name="dtype"/>.</summary>
    public Tensor Uniform(long[] shape, ScalarType dtype) =>
        PerRow(shape, dtype, (row, g) => rand(row, generator: g, dtype: dtype, device: device));

    /// <summary>Standard normals of <paramref name="shape"/> (first dimension = batch) in <paramref name="dtype"/>.</summary>
    public Tensor Normal(long[] shape, ScalarType dtype) =>
        PerRow(shape, dtype, (row, g) => randn(row, generator: g, dtype: dtype, device: device));

    public void Dispose()
    {
        foreach (var g in generators)
        {
            g.Dispose();
        }
    }

    /// <summary>Row r of the result is drawn from generator r, in row order.</summary>
    private Tensor PerRow(long[] shape, ScalarType dtype, Func<long[], Generator, Tensor> draw)
    {
        if (shape[0] != generators.Length)
        {
            throw new ArgumentException($"Draw of {shape[0]} rows from noise for {generators.Length} rows.", nameof(shape));
        }

        using var scope = NewDisposeScope();
        var row = shape.ToArray();
        row[0] = 1;
        var parts = generators.Select((g, r) => Idle?[r] == true ? zeros(row, dtype: dtype, device: device) : draw(row, g)).ToArray();
        return (parts.Length == 1 ? parts[0] : cat(parts, 0)).MoveToOuterDisposeScope();
    }
}
