using DiffusionChat.Samples.Compare;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

using var host = CompareHost.Build(args);
var clients = CompareHost.Clients(host);
if (clients.Count == 0)
{
    await Console.Error.WriteLineAsync($"No clients configured under '{CompareHost.ClientsSection}' in appsettings.json.").ConfigureAwait(false);
    return 2;
}

var settings = host.Services.GetRequiredService<IOptions<CompareSettings>>().Value;
var rows = await new ComparisonRunner(clients).RunAsync(settings, CancellationToken.None).ConfigureAwait(false);
ComparisonRunner.Print(rows, Console.Out);
return 0;
