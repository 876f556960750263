using DiffusionChat.Samples.Agent;
using Microsoft.SemanticKernel.ChatCompletion;

const string Usage = "usage: DiffusionChat.Samples.Agent --model <folder> [--question \"...\"]";
string? model = null;
string question = "What is the weather in Oslo right now?";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length:
            model = args[++i];
            break;
        case "--question" when i + 1 < args.Length:
            question = args[++i];
            break;
        default:
            await Console.Error.WriteLineAsync($"Unexpected argument '{args[i]}'. {Usage}").ConfigureAwait(false);
            return 2;
    }
}

model ??= Path.Combine("models", "dc-masked");
if (!File.Exists(Path.Combine(model, "config.json")))
{
    await Console.Error.WriteLineAsync($"Model folder '{model}' has no config.json. Pass --model <folder>. {Usage}").ConfigureAwait(false);
    return 2;
}

var agent = AgentKernel.Create(model, TimeProvider.System);
try
{
    Console.WriteLine($"question: {question}");
    Console.WriteLine($"InvokePromptAsync -> {await agent.AskAsync(question, CancellationToken.None).ConfigureAwait(false)}");
    var history = new ChatHistory("You are a helpful assistant. Use the tools for weather and time.");
    Console.WriteLine($"IChatCompletionService -> {await agent.ChatAsync(history, question, CancellationToken.None).ConfigureAwait(false)}");
    Console.WriteLine($"weather plugin calls: {(agent.Weather.Asked.Count == 0 ? "(none)" : string.Join(", ", agent.Weather.Asked))}");
    return 0;
}
catch (ArgumentException ex)
{
    // E.g. the prompt plus tool definitions do not fit the model's context: say so instead of a stack trace.
    await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
    return 1;
}
