using DiffusionChat.Sampling;
using System.Text.Json;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Generation;

/// <summary>
/// Reads a checkpoint's default diffusion knobs from the optional <c>generation_defaults</c> object of its
/// <c>config.json</c> (written by our trainer into the shipped models):
/// <c>{"steps": 8, "block_length": 8, "remasking": "LowConfidence", "confidence_threshold": 0.9, "cache": "Prefix"}</c>
/// or <c>{"draft_and_verify": true}</c>.
/// </summary>
public static class GenerationDefaults
{
    /// <summary>The config.json key.</summary>
    public const string ConfigKey = "generation_defaults";

    /// <summary>Reads the defaults; an empty record when the config has none.</summary>
    /// <exception cref="CheckpointFormatException">The object holds a value of the wrong kind or out of range.</exception>
    public static DiffusionGenerationOptions Read(CheckpointFolder checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var configPath = Path.Combine(checkpoint.Directory, CheckpointFolder.ConfigFile);
        if (!checkpoint.Config.TryGetProperty(ConfigKey, out var d) || d.ValueKind == JsonValueKind.Null)
        {
            return new DiffusionGenerationOptions();
        }

        try
        {
            var options = new DiffusionGenerationOptions
            {
                Steps = Int(d, "steps"),
                BlockLength = Int(d, "block_length"),
                Remasking = Enum<RemaskingStrategy>(d, "remasking"),
                ConfidenceThreshold = d.TryGetProperty("confidence_threshold", out var t) && t.ValueKind != JsonValueKind.Null ? t.GetDouble() : null,
                Cache = Enum<KeyValueCacheMode>(d, "cache"),
                DraftAndVerify = d.TryGetProperty("draft_and_verify", out var v) && v.ValueKind != JsonValueKind.Null ? v.GetBoolean() : null,
            };
            options.Validate();
            return options;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            throw new CheckpointFormatException(configPath, null, $"'{ConfigKey}' is invalid: {ex.Message}", ex);
        }
    }

    private static int? Int(JsonElement d, string name) =>
        d.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetInt32() : null;

    private static TEnum? Enum<TEnum>(JsonElement d, string name)
        where TEnum : struct, Enum
    {
        if (!d.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = v.GetString();
        return System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed)
            ? parsed
            : throw new FormatException($"{name} '{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
    }
}
