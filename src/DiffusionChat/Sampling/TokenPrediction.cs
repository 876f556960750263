using TorchSharp;
using static TorchSharp.torch;
using DiffusionChat.Tensors;

namespace DiffusionChat.Sampling;

/// <summary>
/// The per-step prediction of a block: a token for every position (argmax, or Gumbel-max at a temperature, after
/// top-k / top-p filtering) and the score the remasking strategy ranks positions by.
/// </summary>
internal static class TokenPrediction
{
    /// <summary>Predicts tokens and scores for the block.</summary>
    /// <param name="logits">[B, W, V] logits of the block positions.</param>
    /// <param name="maskTokenId">Never predicted: excluded from the choice (its probability still counts, as in LLaDA).</param>
    /// <param name="options">Temperature, filters and strategy.</param>
    /// <param name="noise">The request's per-row random draws.</param>
    /// <returns>Tokens [B, W] int64, probability of each token [B, W] float64, ranking score [B, W] float64.</returns>
    public static (Tensor Tokens, Tensor Probability, Tensor Score) Predict(Tensor logits, long maskTokenId, MaskedSamplerOptions options, RowNoise noise)
    {
        using var scope = NewDisposeScope();
        // float64 like Fast-dLLM and LLaDA's Gumbel noise: low-precision logits make ties and noisy confidences.
        var l64 = logits.to(float64);
        var probs = l64.softmax(-1);
        var choice = Filter(l64, options);
        using var maskIndex = HeldScalars.Range(maskTokenId, maskTokenId + 1, int64, logits.device);
        choice = choice.IndexFilled(-1, maskIndex, double.NegativeInfinity);
        if (options.Temperature > 0)
        {
            // Gumbel-max: argmax(l/T - log(-log u)) samples softmax(l/T).
            var u = noise.Uniform(choice.shape).ClampMin(1e-300);
            choice = choice.DividedBy(options.Temperature) - u.log().neg().log();
        }

        var tokens = choice.argmax(-1);
        var p = probs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        var score = options.Remasking switch
        {
            RemaskingStrategy.LowConfidence => p,
            RemaskingStrategy.Random => noise.Uniform(p.shape),
            RemaskingStrategy.TopTwoMargin => TopTwoMargin(probs),
            RemaskingStrategy.Entropy => (probs * probs.ClampMin(1e-300).log()).sum(-1),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Remasking, "Unknown remasking strategy."),
        };
        return (tokens.MoveToOuterDisposeScope(), p.MoveToOuterDisposeScope(), score.MoveToOuterDisposeScope());
    }

    private static Tensor TopTwoMargin(Tensor probs)
    {
        var (top, _) = probs.topk(2, -1);
        return top.select(-1, 0) - top.select(-1, 1);
    }

    /// <summary>Top-k then top-p: excluded entries become -inf. The most likely token always survives.</summary>
    private static Tensor Filter(Tensor l64, MaskedSamplerOptions options)
    {
        var result = l64;
        if (options.TopK is { } k)
        {
            result = TopK.Filter(result, k);
        }

        if (options.TopP is { } topP && topP < 1)
        {
            result = Nucleus.Filter(result, topP);
        }

        return result;
    }
}
