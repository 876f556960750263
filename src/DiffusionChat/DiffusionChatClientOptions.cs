using DiffusionChat.Generation;

namespace DiffusionChat;

/// <summary>Settings of a <see cref="DiffusionChatClient"/>, bindable from configuration.</summary>
public sealed class DiffusionChatClientOptions
{
    /// <summary>Answer budget when a request leaves <c>ChatOptions.MaxOutputTokens</c> unset. Default 256.</summary>
    public int DefaultMaxOutputTokens { get; set; } = 256;

    /// <summary>Requests waiting for the model before callers wait for room. Default 64.</summary>
    public int MaxQueueLength { get; set; } = 64;

    /// <summary>Most concurrent requests batched into one generation. Default 16.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>Diffusion defaults for requests that leave knobs unset (over the model's own defaults).</summary>
    public DiffusionGenerationOptions Diffusion { get; set; } = new();

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range (the message names it).</exception>
    public void Validate()
    {
        if (DefaultMaxOutputTokens < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultMaxOutputTokens), DefaultMaxOutputTokens, $"DefaultMaxOutputTokens must be at least 1; got {DefaultMaxOutputTokens}.");
        }

        if (MaxQueueLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueueLength), MaxQueueLength, $"MaxQueueLength must be at least 1; got {MaxQueueLength}.");
        }

        if (MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, $"MaxBatchSize must be at least 1; got {MaxBatchSize}.");
        }

        ArgumentNullException.ThrowIfNull(Diffusion, nameof(Diffusion));
        Diffusion.Validate();
    }
}
