using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Seeded noise: one <see cref="Generator"/> per batch row, on the model's device. A row's draws depend only on its
/// own seed, so a prompt decodes the same alone or inside any batch.
/// </summary>
/// <remarks>Not thread-safe; use one instance per generation call. Dispose it to free the generators.</remarks>
public sealed class GeneratorNoiseSource : INoiseSource, IDisposable
{
    private readonly RowNoise rows;

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

        rows = new RowNoise(rowSeeds, device);
    }

    /// <summary>Number of rows this source serves.</summary>
    public int Rows => rows.Rows;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The rows or the device differ from those the source was made for.</exception>
    public Tensor NextNormal(int rows, int length, int vocab, Device device)
    {
        CheckRequest(rows, device);
        return this.rows.Normal([rows, length, vocab], ScalarType.Float32);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The rows or the device differ from those the source was made for.</exception>
    public Tensor NextUniform(int rows, int length, Device device)
    {
        CheckRequest(rows, device);
        return this.rows.Uniform([rows, length], ScalarType.Float32);
    }

    /// <inheritdoc />
    public void Dispose() => rows.Dispose();

    private void CheckRequest(int rows, Device requested)
    {
        if (rows != this.rows.Rows)
        {
            throw new ArgumentException($"This noise source has {this.rows.Rows} row seed(s) but {rows} row(s) were requested.", nameof(rows));
        }

        var device = this.rows.Device;
        if (requested.type != device.type || (device.type != TorchSharp.DeviceType.CPU && requested.index != device.index))
        {
            throw new ArgumentException($"This noise source draws on {device} but {requested} was requested.", nameof(device));
        }
    }
}
