using System.Diagnostics.Metrics;
using DiffusionChat.Server.Hosting;

namespace DiffusionChat.Server.Telemetry;

/// <summary>
/// The server's instruments (meter <c>DiffusionChat.Server</c>), exported by OpenTelemetry: requests by status and mode,
/// prompt/completion tokens, forward passes, requests in flight (the queue) and latencies.
/// </summary>
internal sealed class ServerMetrics
{
    public const string MeterName = "DiffusionChat.Server";

    // OpenTelemetry's default buckets (0 to 10000) are meant for milliseconds; answers take 10 ms to a minute.
    private static readonly InstrumentAdvice<double> Seconds = new() { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] };

    private readonly Counter<long> requests;
    private readonly Counter<long> promptTokens;
    private readonly Counter<long> completionTokens;
    private readonly Counter<long> forwardPasses;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> firstBlock;

    public ServerMetrics(IMeterFactory meterFactory, RequestAdmission admission)
    {
        var meter = meterFactory.Create(MeterName);
        requests = meter.CreateCounter<long>("diffusionchat.server.requests", "{request}", "Chat completion requests by HTTP status and mode.");
        promptTokens = meter.CreateCounter<long>("diffusionchat.server.prompt_tokens", "{token}", "Prompt tokens of answered requests.");
        completionTokens = meter.CreateCounter<long>("diffusionchat.server.completion_tokens", "{token}", "Answer tokens generated.");
        forwardPasses = meter.CreateCounter<long>("diffusionchat.server.forward_passes", "{pass}", "Model forward passes of answered requests (batched requests share passes).");
        duration = meter.CreateHistogram("diffusionchat.server.request.duration", "s", "Time from request to last byte of the answer.", advice: Seconds);
        firstBlock = meter.CreateHistogram("diffusionchat.server.first_block.duration", "s", "Streaming: time from request to the first committed block.", advice: Seconds);
        meter.CreateObservableGauge("diffusionchat.server.queue.length", () => admission.Active, "{request}", "Requests generating or waiting for the model.");
    }

    public void Completed(int status, bool stream, TimeSpan elapsed, Microsoft.Extensions.AI.UsageDetails? usage)
    {
        var tags = new KeyValuePair<string, object?>[] { new("status", status), new("stream", stream) };
        requests.Add(1, tags);
        duration.Record(elapsed.TotalSeconds, tags);
        if (usage is not null)
        {
            promptTokens.Add(usage.InputTokenCount ?? 0);
            completionTokens.Add(usage.OutputTokenCount ?? 0);
            forwardPasses.Add(Protocol.CompletionJson.ForwardPasses(usage) ?? 0);
        }
    }

    public void FirstBlock(TimeSpan elapsed) => firstBlock.Record(elapsed.TotalSeconds);
}
