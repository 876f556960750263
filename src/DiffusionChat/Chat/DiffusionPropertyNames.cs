using DiffusionChat.Generation;

namespace DiffusionChat.Chat;

/// <summary>
/// <c>ChatOptions.AdditionalProperties</c> keys for the diffusion knobs (<see cref="DiffusionGenerationOptions"/>).
/// Values may be numbers, strings (enum names, case-insensitive, or numbers as text) or <c>System.Text.Json.JsonElement</c>
/// (as Semantic Kernel passes execution settings).
/// </summary>
public static class DiffusionPropertyNames
{
    /// <summary>Steps per block (integer >= 1).</summary>
    public const string Steps = "diffusion_steps";

    /// <summary>Block length (integer >= 1).</summary>
    public const string BlockLength = "diffusion_block_length";

    /// <summary>Remasking strategy: <c>LowConfidence</c>, <c>Random</c>, <c>TopTwoMargin</c>, <c>Entropy</c>.</summary>
    public const string Remasking = "diffusion_remasking";

    /// <summary>Confidence threshold for parallel decoding (number in (0, 1]).</summary>
    public const string ConfidenceThreshold = "diffusion_confidence_threshold";

    /// <summary>Cache mode: <c>None</c>, <c>Prefix</c>, <c>Dual</c>.</summary>
    public const string Cache = "diffusion_cache";

    /// <summary>Lossless parallel decoding of block-causal models (<c>true</c> or <c>false</c>; see <see cref="DiffusionGenerationOptions.DraftAndVerify"/>).</summary>
    public const string DraftAndVerify = "diffusion_draft_and_verify";

    /// <summary>Every key above.</summary>
    public static IReadOnlyList<string> All { get; } = [Steps, BlockLength, Remasking, ConfidenceThreshold, Cache, DraftAndVerify];
}
