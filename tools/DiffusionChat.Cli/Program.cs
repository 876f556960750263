using DiffusionChat.Cli;

return await CommandLine.RunAsync(args).ConfigureAwait(false);
