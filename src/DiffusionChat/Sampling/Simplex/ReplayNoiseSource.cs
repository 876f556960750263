using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Replays recorded draws in order (e.g. the <c>normals</c> of a reference run), so the sampler can be checked
/// step by step against that run.
/// </summary>
/// <remarks>Not thread-safe. The recorded tensors are copied to the requested device per draw and never modified.</remarks>
public sealed class ReplayNoiseSource : INoiseSource
{
    private readonly Tensor normals;
    private readonly Tensor? uniforms;
    private long nextNormal;
    private long nextUniform;

    /// <summary>Creates a replay source.</summary>
    /// <param name="normals">Recorded standard normals [draws, rows, length, vocab], in draw order.</param>
    /// <param name="uniforms">Recorded uniforms [draws, rows, length], or null when no sampled projection is replayed.</param>
    /// <exception cref="ArgumentException">A tensor has the wrong rank.</exception>
    public ReplayNoiseSource(Tensor normals, Tensor? uniforms = null)
    {
        ArgumentNullException.ThrowIfNull(normals);
        if (normals.dim() != 4)
        {
            throw new ArgumentException($"normals must be [draws, rows, length, vocab], got [{string.Join(", ", normals.shape)}].", nameof(normals));
        }

        if (uniforms is not null && uniforms.dim() != 3)
        {
            throw new ArgumentException($"uniforms must be [draws, rows, length], got [{string.Join(", ", uniforms.shape)}].", nameof(uniforms));
        }

        this.normals = normals;
        this.uniforms = uniforms;
    }

    /// <summary>How many normal draws have been replayed.</summary>
    public long NormalsUsed => nextNormal;

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The recording is exhausted or its draws have another shape.</exception>
    public Tensor NextNormal(int rows, int length, int vocab, Device device)
    {
        using var draw = Take(normals, ref nextNormal, [rows, length, vocab], "normals");
        return draw.to(ScalarType.Float32, device, copy: true);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No uniforms were recorded, the recording is exhausted or its draws have another shape.</exception>
    public Tensor NextUniform(int rows, int length, Device device)
    {
        if (uniforms is null)
        {
            throw new InvalidOperationException("This replay has no recorded uniforms; the sampled projection needs them.");
        }

        using var draw = Take(uniforms, ref nextUniform, [rows, length], "uniforms");
        return draw.to(ScalarType.Float32, device, copy: true);
    }

    private static Tensor Take(Tensor recording, ref long next, long[] shape, string name)
    {
        if (next >= recording.shape[0])
        {
            throw new InvalidOperationException($"The recorded {name} are exhausted after {recording.shape[0]} draws.");
        }

        var drawShape = recording.shape[1..];
        if (!drawShape.SequenceEqual(shape))
        {
            throw new InvalidOperationException(
                $"Recorded {name} draws are [{string.Join(", ", drawShape)}] but [{string.Join(", ", shape)}] was requested.");
        }

        return recording[next++];
    }
}
