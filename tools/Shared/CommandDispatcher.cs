namespace DiffusionChat.Tools;

/// <summary>
/// Runs <c>&lt;tool&gt; &lt;command&gt; ...</c>: picks the command by its verb, prints usage for no verb or help, and
/// turns failures into a message on stderr and an exit code. Shared by the repository's command-line tools (linked
/// into each project from <c>tools/Shared/</c>).
/// </summary>
/// <remarks>
/// Exit codes: the command's own, 0 for help, 2 for no command or an unknown one, 1 for an exception, 130 for a
/// cancellation asked for with Ctrl+C.
/// </remarks>
internal sealed class CommandDispatcher
{
    private readonly IReadOnlyDictionary<string, Func<string[], CancellationToken, Task<int>>> commands;
    private readonly Action printUsage;
    private readonly bool stopOnCtrlC;

    /// <summary>Creates the dispatcher.</summary>
    /// <param name="commands">The commands by verb; each gets the arguments after the verb and a cancellation token.</param>
    /// <param name="printUsage">Writes the usage text to the console.</param>
    /// <param name="stopOnCtrlC">
    /// True for tools whose commands observe the token: the first Ctrl+C cancels it (the command stops cleanly), a second
    /// one kills the process. False leaves Ctrl+C to kill the process at once; the token then never fires.
    /// </param>
    public CommandDispatcher(IReadOnlyDictionary<string, Func<string[], CancellationToken, Task<int>>> commands, Action printUsage, bool stopOnCtrlC)
    {
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(printUsage);
        this.commands = commands;
        this.printUsage = printUsage;
        this.stopOnCtrlC = stopOnCtrlC;
    }

    /// <summary>Runs the command named by <c>args[0]</c> with the remaining arguments.</summary>
    /// <param name="args">The process arguments.</param>
    /// <returns>The exit code.</returns>
    public async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            printUsage();
            return args.Length == 0 ? 2 : 0;
        }

        if (!commands.TryGetValue(args[0], out var command))
        {
            await Console.Error.WriteLineAsync($"Unknown command '{args[0]}'. Commands: {string.Join(", ", commands.Keys)}.").ConfigureAwait(false);
            return 2;
        }

        using var cancel = new CancellationTokenSource();
        if (stopOnCtrlC)
        {
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = !cancel.IsCancellationRequested;
                cancel.Cancel();
            };
        }

        try
        {
            // Before the command's first product (commands build models without a loader too): MKL picks its matrix
            // kernels once per process.
            DiffusionChat.Devices.MklCpuDispatch.EnsureApplied();
            return await command(args[1..], cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopOnCtrlC)
        {
            await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
            return 130;
        }
#pragma warning disable CA1031 // A command-line tool reports any failure as a message and an exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync($"error: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
