using System.ComponentModel;
using System.Globalization;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>A kernel plugin telling the time; the clock is injected so tests can fix it.</summary>
internal sealed class ClockPlugin(TimeProvider time)
{
    /// <summary>The current UTC date and time.</summary>
    [KernelFunction("utc_now")]
    [Description("Gets the current date and time in UTC (ISO 8601).")]
    public string UtcNow() => time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
