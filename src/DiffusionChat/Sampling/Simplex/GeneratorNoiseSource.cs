using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Seeded noise: one <see cref="Generator"/> per batch row, on the model's device. A row's draws depend only on its
/// own seed, so a prompt decodes the same alone or inside any batch.
/// </summary>
/// <remarks>Not thread-safe; use one instance per generation call. Dispose it to free the generators.</remarks>
public sealed class GeneratorNoiseSource : INoiseSource, IDisposable
{
    private readonly Generator[] generators;
    private readonly Device device;

    /// <summary>Creates one generator per row.</summary>
    /// <param name="device">The device the draws are made on (the model's).</param>
    /// <param name="rowSeeds">One seed per batch row, in row order.</param>
    /// <exception cref="ArgumentException"><paramref name="rowSeeds"/> is empty.</exception>
    public GeneratorNoiseSource(Device device, IReadOnlyList<ulong> rowSeeds)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(rowSeeds);
        if (rowSeeds.Count == 0)
        {
            throw new ArgumentException("At least one row seed is required.", nameof(rowSeeds));
        }

        this.device = device;
        generators = rowSeeds.Select(seed => new Generator(seed, device)).ToArray();
    }

    /// <summary>Number of rows this source serves.</summary>
    public int Rows => generators.Length;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The rows or the device differ from those the source was made for.</exception>
    public Tensor NextNormal(int rows, int length, int vocab, Device device)
    {
        CheckRequest(rows, device);
        using var scope = NewDisposeScope();
        var parts = generators.Select(g => randn([1, length, vocab], ScalarType.Float32, this.device, generator: g)).ToArray();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The rows or the device differ from those the source was made for.</exception>
    public Tensor NextUniform(int rows, int length, Device device)
    {
        CheckRequest(rows, device);
        using var scope = NewDisposeScope();
        var parts = generators.Select(g => rand([1, length], ScalarType.Float32, this.device, generator: g)).ToArray();
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in generators)
        {
            g.Dispose();
        }
    }

    private void CheckRequest(int rows, Device requested)
    {
        if (rows != generators.Length)
        {
            throw new ArgumentException($"This noise source has {generators.Length} row seed(s) but {rows} row(s) were requested.", nameof(rows));
        }

        if (requested.type != device.type || (device.type != TorchSharp.DeviceType.CPU && requested.index != device.index))
        {
            throw new ArgumentException($"This noise source draws on {device} but {requested} was requested.", nameof(device));
        }
    }
}
