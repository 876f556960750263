using System.Text.Json;
using DiffusionChat.Chat;
using DiffusionChat.Generation;

namespace DiffusionChat.Remote;

/// <summary>
/// The diffusion knobs as extra <c>/v1/chat/completions</c> body fields, named as DiffusionChat.Server reads them:
/// <c>steps</c>, <c>block_length</c>, <c>remasking</c>, <c>threshold</c>, <c>cache</c>, <c>draft_and_verify</c>.
/// </summary>
public static class DiffusionExtraBodyFields
{
    /// <summary>Denoising steps per block.</summary>
    public const string Steps = "steps";

    /// <summary>Answer positions per block.</summary>
    public const string BlockLength = "block_length";

    /// <summary>Remasking strategy name.</summary>
    public const string Remasking = "remasking";

    /// <summary>Confidence threshold for parallel decoding.</summary>
    public const string Threshold = "threshold";

    /// <summary>Key/value cache mode name.</summary>
    public const string Cache = "cache";

    /// <summary>Lossless parallel decoding of block-causal models (<c>true</c> / <c>false</c>).</summary>
    public const string DraftAndVerify = "draft_and_verify";

    /// <summary>The <c>usage</c> field holding the model's forward passes.</summary>
    public const string ForwardPasses = "forward_passes";

    /// <summary>Maps each <c>ChatOptions.AdditionalProperties</c> key (<see cref="DiffusionPropertyNames"/>) to its body field.</summary>
    public static IReadOnlyDictionary<string, string> ByPropertyName { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [DiffusionPropertyNames.Steps] = Steps,
        [DiffusionPropertyNames.BlockLength] = BlockLength,
        [DiffusionPropertyNames.Remasking] = Remasking,
        [DiffusionPropertyNames.ConfidenceThreshold] = Threshold,
        [DiffusionPropertyNames.Cache] = Cache,
        [DiffusionPropertyNames.DraftAndVerify] = DraftAndVerify,
    };

    /// <summary>The fields a typed record sets, as JSON values (enums by name).</summary>
    public static IEnumerable<KeyValuePair<string, JsonElement>> From(DiffusionGenerationOptions knobs)
    {
        ArgumentNullException.ThrowIfNull(knobs);
        if (knobs.Steps is { } steps)
        {
            yield return new(Steps, JsonSerializer.SerializeToElement(steps));
        }

        if (knobs.BlockLength is { } blockLength)
        {
            yield return new(BlockLength, JsonSerializer.SerializeToElement(blockLength));
        }

        if (knobs.Remasking is { } remasking)
        {
            yield return new(Remasking, JsonSerializer.SerializeToElement(remasking.ToString()));
        }

        if (knobs.ConfidenceThreshold is { } threshold)
        {
            yield return new(Threshold, JsonSerializer.SerializeToElement(threshold));
        }

        if (knobs.Cache is { } cache)
        {
            yield return new(Cache, JsonSerializer.SerializeToElement(cache.ToString()));
        }

        if (knobs.DraftAndVerify is { } draftAndVerify)
        {
            yield return new(DraftAndVerify, JsonSerializer.SerializeToElement(draftAndVerify));
        }
    }
}
