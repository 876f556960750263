using DiffusionChat.Trainer;

return await TrainerCommandLine.RunAsync(args).ConfigureAwait(false);
