using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling.Autoregressive;

/// <summary>Picks the next token from logits: greedy, or temperature, top-k, top-p (Holtzman et al. 2020) sampling.</summary>
/// <remarks>Stays on the logits' device; draws only from the given generator (no global RNG).</remarks>
public static class TokenSampler
{
    /// <summary>One token id per row.</summary>
    /// <param name="logits">[batch, vocab].</param>
    /// <param name="options">Temperature, top-k, top-p.</param>
    /// <param name="generator">The random source (unused when greedy).</param>
    /// <returns>[batch] int64.</returns>
    public static Tensor Sample(Tensor logits, DecodingOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = NewDisposeScope();
        if (options.Temperature == 0)
        {
            return logits.argmax(-1).MoveToOuterDisposeScope();
        }

        var scaled = logits.to(ScalarType.Float32).DividedBy(options.Temperature);
        if (options.TopK is { } k)
        {
            scaled = TopK.Filter(scaled, k);
        }

        if (options.TopP is { } p && p < 1)
        {
            scaled = Nucleus.Filter(scaled, p);
        }

        return multinomial(scaled.softmax(-1), 1, generator: generator).squeeze(-1).MoveToOuterDisposeScope();
    }
}
