using System.Globalization;

namespace DiffusionChat.Samples.Compare;

/// <summary>One client's answer to one prompt and what it cost.</summary>
/// <param name="Client">The client's service key.</param>
/// <param name="Prompt">The prompt.</param>
/// <param name="Answer">The answer text.</param>
/// <param name="Latency">Wall-clock time of the call (model already loaded).</param>
/// <param name="OutputTokens">Answer tokens reported by the client, if any.</param>
/// <param name="ForwardPasses">Model forward passes reported in <c>UsageDetails.AdditionalCounts["forward_passes"]</c>, if any.</param>
internal sealed record ComparisonRow(string Client, string Prompt, string Answer, TimeSpan Latency, long? OutputTokens, long? ForwardPasses)
{
    /// <summary>Answer tokens per second of latency.</summary>
    public double? TokensPerSecond => OutputTokens is { } n && Latency > TimeSpan.Zero ? n / Latency.TotalSeconds : null;

    /// <summary>Forward passes per answer token: 1 for autoregressive decoding, below 1 when diffusion decodes in parallel.</summary>
    public double? ForwardPassesPerToken => OutputTokens is > 0 && ForwardPasses is { } p ? (double)p / OutputTokens.Value : null;

    /// <summary>The row's figures as table cells.</summary>
    public string Figures => string.Create(CultureInfo.InvariantCulture,
        $"{Latency.TotalMilliseconds,8:F0} ms  {Cell(OutputTokens),6} tok  {Cell(TokensPerSecond, "F1"),8} tok/s  {Cell(ForwardPassesPerToken, "F2"),6} passes/tok");

    private static string Cell(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Cell(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
