using static TorchSharp.torch;

namespace DiffusionChat.Sampling.Categorical;

/// <summary>
/// Where the random choices of Dream's and SDAR's samplers come from: token draws from a categorical distribution,
/// uniforms, and position sets drawn without replacement. The samplers ask in a fixed order, so a source that replays
/// a reference run's recorded draws reproduces that run exactly.
/// </summary>
internal interface ICategoricalDraws
{
    /// <summary>One token per row of <paramref name="probabilities"/> [..., V], int64 [...].</summary>
    Tensor Tokens(Tensor probabilities);

    /// <summary>Uniforms in [0, 1), float32, of <paramref name="shape"/>.</summary>
    Tensor Uniform(long[] shape, Device device);

    /// <summary><paramref name="count"/> distinct indices per row of <paramref name="weights"/> [B, N], drawn without replacement, int64 [B, count].</summary>
    Tensor WithoutReplacement(Tensor weights, int count);
}
