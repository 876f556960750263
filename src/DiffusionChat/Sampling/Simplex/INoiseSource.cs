using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Simplex;

/// <summary>
/// Where the sampler's randomness comes from. The sampler asks in a fixed order (per block: the initial noise, then
/// per step the re-noising draw and, for sampled projections, one uniform per position), so a source that replays
/// recorded draws reproduces a reference run exactly.
/// </summary>
public interface INoiseSource
{
    /// <summary>Next standard normal draw N(0, 1), shape [rows, length, vocab], on <paramref name="device"/>.</summary>
    /// <returns>A new tensor owned by the caller.</returns>
    Tensor NextNormal(int rows, int length, int vocab, Device device);

    /// <summary>Next uniform draw in [0, 1), shape [rows, length], on <paramref name="device"/>.</summary>
    /// <returns>A new tensor owned by the caller.</returns>
    Tensor NextUniform(int rows, int length, Device device);
}
