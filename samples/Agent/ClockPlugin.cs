using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace DiffusionChat.Samples.Agent;

/// <summary>
/// A kernel plugin telling the local time in a city (<see cref="DemoToolData"/>; the clock is injected so tests can fix
/// it), offered as <c>clock_get_time</c> in the shape the shipped models were trained on.
/// </summary>
internal sealed class ClockPlugin(TimeProvider time)
{
    /// <summary>The local time (HH:mm) in a city.</summary>
    [KernelFunction("get_time")]
    [Description("Get the current local time in a city.")]
    public string GetTime(string city) => DemoToolData.TimeJson(city, time.GetUtcNow());
}
