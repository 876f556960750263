using DiffusionChat.Sampling;
using DiffusionChat.Generation;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Chat;

/// <summary>
/// Reads <see cref="ChatOptions"/> into <see cref="ChatRequestSettings"/>: applies the client's defaults, validates
/// every value with an exception naming it, and never mutates the options it is given.
/// </summary>
/// <remarks>
/// Diffusion knobs are layered: client defaults, then <c>AdditionalProperties</c> keys
/// (<see cref="DiffusionPropertyNames"/>), then a <see cref="DiffusionGenerationOptions"/> returned by
/// <c>RawRepresentationFactory</c> (the typed form wins).
/// </remarks>
internal static class ChatOptionsReader
{
    /// <summary>Reads and validates the options.</summary>
    /// <param name="options">The caller's options (may be null).</param>
    /// <param name="client">The client, passed to <c>RawRepresentationFactory</c>.</param>
    /// <param name="modelId">The loaded model's id, to check <c>ModelId</c> against.</param>
    /// <param name="defaultMaxOutputTokens">Answer budget when <c>MaxOutputTokens</c> is unset.</param>
    /// <param name="defaultDiffusion">Diffusion defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A numeric option is out of range.</exception>
    /// <exception cref="ArgumentException">ModelId names another model, a stop sequence is empty, or an additional property is malformed.</exception>
    public static ChatRequestSettings Read(ChatOptions? options, IChatClient client, string modelId, int defaultMaxOutputTokens, DiffusionGenerationOptions defaultDiffusion)
    {
        if (options?.ModelId is { } requested && !string.Equals(requested, modelId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"ChatOptions.ModelId '{requested}' does not match the loaded model '{modelId}'. Leave it unset or use '{modelId}'.", nameof(options));
        }

        int maxOutput = options?.MaxOutputTokens ?? defaultMaxOutputTokens;
        if (maxOutput < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), maxOutput, $"ChatOptions.MaxOutputTokens must be at least 1; got {maxOutput}.");
        }

        var sampling = new TokenSampling(
            Temperature: options?.Temperature ?? 0,
            TopK: options?.TopK,
            TopP: options?.TopP,
            Seed: options?.Seed ?? Random.Shared.NextInt64());
        try
        {
            sampling.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentOutOfRangeException(nameof(options), ex.ActualValue, "ChatOptions." + ex.Message);
        }

        var stops = new List<string>();
        foreach (var stop in options?.StopSequences ?? [])
        {
            if (string.IsNullOrEmpty(stop))
            {
                throw new ArgumentException("ChatOptions.StopSequences must not contain null or empty strings.", nameof(options));
            }

            stops.Add(stop);
        }

        var diffusion = defaultDiffusion.With(FromAdditionalProperties(options?.AdditionalProperties));
        if (options?.RawRepresentationFactory?.Invoke(client) is DiffusionGenerationOptions typed)
        {
            diffusion = diffusion.With(typed);
        }

        try
        {
            diffusion.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new ArgumentOutOfRangeException(nameof(options), ex.ActualValue, "Diffusion option " + ex.Message);
        }

        return new ChatRequestSettings(maxOutput, sampling, diffusion, stops);
    }

    private static DiffusionGenerationOptions? FromAdditionalProperties(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return null;
        }

        IReadOnlyDictionary<string, object?> p = properties;
        return new DiffusionGenerationOptions
        {
            Steps = AdditionalPropertyValues.Int32(p, DiffusionPropertyNames.Steps),
            BlockLength = AdditionalPropertyValues.Int32(p, DiffusionPropertyNames.BlockLength),
            Remasking = AdditionalPropertyValues.Enum<RemaskingStrategy>(p, DiffusionPropertyNames.Remasking),
            ConfidenceThreshold = AdditionalPropertyValues.Double(p, DiffusionPropertyNames.ConfidenceThreshold),
            Cache = AdditionalPropertyValues.Enum<KeyValueCacheMode>(p, DiffusionPropertyNames.Cache),
            DraftAndVerify = AdditionalPropertyValues.Boolean(p, DiffusionPropertyNames.DraftAndVerify),
        };
    }
}
