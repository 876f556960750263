using DiffusionChat.Samples.AgentFramework;
using DiffusionChat.Samples.Chat;
using Microsoft.Agents.AI;

AgentFrameworkArguments settings;
try
{
    settings = AgentFrameworkArguments.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
    return 2;
}

var model = ModelFolderResolver.Resolve(settings.Model, [Environment.CurrentDirectory, AppContext.BaseDirectory], out var problem);
if (model is null)
{
    await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
    return 2;
}

using var agent = DiffusionAgent.Create(model, TimeProvider.System, maxOutputTokens: settings.MaxTokens);
var writer = new AgentUpdateWriter(Console.Out);
try
{
    Console.WriteLine($"model: {model}");
    var session = await agent.StartConversationAsync(CancellationToken.None).ConfigureAwait(false);
    foreach (var turn in settings.Turns)
    {
        Console.WriteLine($"you> {turn}");
        await agent.AskAsync(session, turn, writer.Write, CancellationToken.None).ConfigureAwait(false);
        writer.EndTurn();
    }

    Console.WriteLine($"session: {(session.TryGetInMemoryChatHistory(out var history) ? history.Count : 0)} messages kept");
    return 0;
}
catch (ArgumentException ex)
{
    // E.g. the conversation plus tool definitions no longer fit the model's context: say so instead of a stack trace.
    await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
    return 1;
}
