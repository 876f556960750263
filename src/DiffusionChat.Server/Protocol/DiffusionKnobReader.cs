using System.Text.Json;
using DiffusionChat.Generation;
using DiffusionChat.Sampling;
using DiffusionChat.Server.Errors;
using static DiffusionChat.Server.Protocol.JsonFields;

namespace DiffusionChat.Server.Protocol;

/// <summary>
/// Reads the diffusion knobs sent as extra body fields (<c>steps</c>, <c>block_length</c>, <c>remasking</c>,
/// <c>threshold</c>, <c>cache</c>, <c>draft_and_verify</c>) into the library's typed <see cref="DiffusionGenerationOptions"/>; null when none is
/// set. Enum values are the library's names, case-insensitive, with or without underscores (<c>low_confidence</c>).
/// </summary>
internal static class DiffusionKnobReader
{
    /// <summary>The wire names, in the order of <see cref="DiffusionGenerationOptions"/>'s properties.</summary>
    public static IReadOnlyList<string> FieldNames { get; } = ["steps", "block_length", "remasking", "threshold", "cache", "draft_and_verify"];

    public static DiffusionGenerationOptions? Read(JsonElement body)
    {
        if (!FieldNames.Any(name => TryGet(body, name, out _)))
        {
            return null;
        }

        var knobs = new DiffusionGenerationOptions
        {
            Steps = OptionalInt32(body, "steps", "steps", 1, int.MaxValue),
            BlockLength = OptionalInt32(body, "block_length", "block_length", 1, int.MaxValue),
            Remasking = Enum<RemaskingStrategy>(body, "remasking"),
            ConfidenceThreshold = OptionalNumber(body, "threshold", "threshold", 0, 1, minExclusive: true),
            Cache = Enum<KeyValueCacheMode>(body, "cache"),
            DraftAndVerify = OptionalBool(body, "draft_and_verify", "draft_and_verify"),
        };
        try
        {
            knobs.Validate();
        }
        catch (ArgumentException ex) when (ex is not ArgumentOutOfRangeException)
        {
            // A combination of fields (draft_and_verify with another schedule), not one field's range.
            throw new OpenAIErrorException(OpenAIError.BadRequest(ErrorMapping.MessageOf(ex), "draft_and_verify"));
        }

        return knobs;
    }

    private static TEnum? Enum<TEnum>(JsonElement body, string name)
        where TEnum : struct, Enum
    {
        if (OptionalString(body, name, name) is not { } text)
        {
            return null;
        }

        var bare = text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        foreach (var value in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), bare, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw new OpenAIErrorException(OpenAIError.BadRequest(
            $"Invalid value for '{name}': '{text}'. Supported values are: {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => $"'{n}'"))}.", name));
    }
}
