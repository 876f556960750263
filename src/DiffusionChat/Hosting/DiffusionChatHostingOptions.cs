using DiffusionChat.Sampling;
using System.ComponentModel.DataAnnotations;
using DiffusionChat.Generation;

namespace DiffusionChat.Hosting;

/// <summary>
/// Where the model is and how to run it, for dependency-injection registration; bindable from an
/// <c>appsettings.json</c> section such as:
/// <code>
/// "DiffusionChat": { "ModelPath": "models/dc-masked-small", "Device": "auto", "DType": "float32", "Threads": 2,
///                    "DefaultMaxOutputTokens": 128, "Scaffolding": true, "Diffusion": { "Steps": 16, "BlockLength": 8 } }
/// </code>
/// Validated when the host starts.
/// </summary>
public sealed class DiffusionChatHostingOptions
{
    /// <summary>The default configuration section name.</summary>
    public const string SectionName = "DiffusionChat";

    /// <summary>The checkpoint folder (config.json, weights, tokenizer files). Required.</summary>
    [Required]
    public string ModelPath { get; set; } = "";

    /// <summary>Device name: <c>auto</c> (default), <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Weight and compute dtype: <c>float32</c> (default), <c>float16</c>, <c>bfloat16</c>.</summary>
    public string DType { get; set; } = "float32";

    /// <summary>
    /// Threads LibTorch splits one CPU operation across (1 .. 1024), applied when the model loads; null (default) reads
    /// <c>DIFFUSIONCHAT_THREADS</c>, and without it keeps LibTorch's default of one per core. Process-wide: see
    /// <see cref="Devices.CpuThreads"/> for when to lower it.
    /// </summary>
    public int? Threads { get; set; }

    /// <summary>Model id reported in metadata and matched against <c>ChatOptions.ModelId</c>; default the folder name.</summary>
    public string? ModelId { get; set; }

    /// <summary>Answer budget when a request leaves <c>MaxOutputTokens</c> unset.</summary>
    public int DefaultMaxOutputTokens { get; set; } = new DiffusionChatClientOptions().DefaultMaxOutputTokens;

    /// <summary>Requests waiting for the model before callers wait for room.</summary>
    public int MaxQueueLength { get; set; } = new DiffusionChatClientOptions().MaxQueueLength;

    /// <summary>Most concurrent requests batched into one generation.</summary>
    public int MaxBatchSize { get; set; } = new DiffusionChatClientOptions().MaxBatchSize;

    /// <summary>
    /// Whether the registered client writes tool calls and JSON answers by scaffolding (default true): the client is
    /// wrapped in <see cref="Structured.ScaffoldingChatClient"/>, so a call the model opens or a request requires, a
    /// <c>ChatResponseFormat.ForJsonSchema</c> answer (<c>GetResponseAsync&lt;T&gt;</c>) and a <c>ChatResponseFormat.Json</c>
    /// answer come out well formed. False registers the bare <see cref="DiffusionChatClient"/> (free decoding only).
    /// </summary>
    public bool Scaffolding { get; set; } = true;

    /// <summary>Diffusion defaults (steps, block length, remasking, threshold, cache).</summary>
    public DiffusionKnobSettings Diffusion { get; set; } = new();

    /// <summary>The client options these settings describe.</summary>
    public DiffusionChatClientOptions ToClientOptions() => new()
    {
        DefaultMaxOutputTokens = DefaultMaxOutputTokens,
        MaxQueueLength = MaxQueueLength,
        MaxBatchSize = MaxBatchSize,
        Diffusion = Diffusion.ToOptions(),
    };
}

/// <summary>
/// Configuration-bindable form of <see cref="DiffusionGenerationOptions"/> (mutable properties for the binder).
/// </summary>
public sealed class DiffusionKnobSettings
{
    /// <summary>Steps per block.</summary>
    public int? Steps { get; set; }

    /// <summary>Block length.</summary>
    public int? BlockLength { get; set; }

    /// <summary>Remasking strategy.</summary>
    public RemaskingStrategy? Remasking { get; set; }

    /// <summary>Confidence threshold in (0, 1].</summary>
    public double? ConfidenceThreshold { get; set; }

    /// <summary>Cache mode.</summary>
    public KeyValueCacheMode? Cache { get; set; }

    /// <summary>Lossless parallel decoding of block-causal models (see <see cref="DiffusionGenerationOptions.DraftAndVerify"/>).</summary>
    public bool? DraftAndVerify { get; set; }

    /// <summary>The typed options record.</summary>
    public DiffusionGenerationOptions ToOptions() => new()
    {
        Steps = Steps,
        BlockLength = BlockLength,
        Remasking = Remasking,
        ConfidenceThreshold = ConfidenceThreshold,
        Cache = Cache,
        DraftAndVerify = DraftAndVerify,
    };
}
