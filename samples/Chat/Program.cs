using DiffusionChat.Samples.Chat;
using Spectre.Console;

ChatArguments settings;
try
{
    settings = ChatArguments.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
    return 2;
}

var folder = ModelFolderResolver.Resolve(settings.Model, [Environment.CurrentDirectory, AppContext.BaseDirectory], out var problem);
if (folder is null)
{
    await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
    return 2;
}

DiffusionChat.DiffusionChatClient model;
try
{
    model = ChatApp.Load(folder);
}
catch (ArgumentException ex)
{
    // A malformed setting (DIFFUSIONCHAT_THREADS, DIFFUSIONCHAT_MKL_DISPATCH, ...): its message, not a stack trace.
    await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
    return 2;
}

using var loaded = model;
if (settings.Infill is not null)
{
    return ChatApp.RunInfill(model, settings, Console.Out, Console.Error);
}

var client = ChatApp.WithTools(model, settings);
if (settings.Once is not null)
{
    return await ChatApp.RunOnceAsync(client, settings, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
}

AnsiConsole.MarkupLine($"[grey]model: {Markup.Escape(folder)}[/]");
return await ChatApp.RunInteractiveAsync(client, settings, Console.In, AnsiConsole.Console).ConfigureAwait(false);
