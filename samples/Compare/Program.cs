using DiffusionChat.Samples.Compare;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using var host = CompareHost.Build(args);
IReadOnlyList<KeyValuePair<string, Microsoft.Extensions.AI.IChatClient>> clients;
try
{
    clients = CompareHost.Clients(host);
}
catch (Exception ex) when (ex is OptionsValidationException or ArgumentException)
{
    // A client's settings are invalid (appsettings.json, DIFFUSIONCHAT_* variables): say which, not a stack trace.
    await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
    return 2;
}

if (clients.Count == 0)
{
    await Console.Error.WriteLineAsync($"No clients configured under '{CompareHost.ClientsSection}' in appsettings.json.").ConfigureAwait(false);
    return 2;
}

var settings = host.Services.GetRequiredService<IOptions<CompareSettings>>().Value;
var rows = await new ComparisonRunner(clients).RunAsync(settings, CancellationToken.None).ConfigureAwait(false);
ComparisonRunner.Print(rows, Console.Out);
return 0;
