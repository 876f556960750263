using DiffusionChat.Hosting;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace DiffusionChat.Samples.Chat;

/// <summary>The chat sample's modes: one-shot (<c>--once</c>) and the interactive console loop.</summary>
internal static class ChatApp
{
    /// <summary>Loads the model folder into a chat client (CPU, float32).</summary>
    public static DiffusionChatClient Load(string folder) =>
        new(new CheckpointChatModelLoader().Load(new DiffusionChatHostingOptions { ModelPath = folder }));

    /// <summary>
    /// Fills the <c>[MASK]</c> blanks of <c>--infill</c>'s text with the diffusion model behind <paramref name="client"/>
    /// (all blanks at once, each seeing the text on both sides; a masked model commits in confidence order, a simplex
    /// model denoises everything from the first blank on for its steps): prints the filled text to
    /// <paramref name="output"/> and the blanks' values and cost to <paramref name="figures"/>.
    /// </summary>
    /// <returns>The process exit code: 0, or 2 when the model is not a diffusion model or the text has no blank.</returns>
    public static int RunInfill(IChatClient client, ChatArguments settings, TextWriter output, TextWriter figures)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Infill, nameof(settings));
        Func<Structured.FilledText>? fill = client.GetService<ChatModelParts>() switch
        {
            { Generator: Generation.MaskedTokenGenerator masked } model =>
                () => Structured.MaskedInfilling.For(masked, model.Tokenizer).FillBlanks(settings.Infill, settings.BlankTokens),
            { Generator: Generation.SimplexTokenGenerator simplex } model =>
                () => Structured.SimplexInfilling.For(simplex, model.Tokenizer, settings.Steps).FillBlanks(settings.Infill, settings.BlankTokens, seed: settings.Seed ?? 0),
            _ => null,
        };
        if (fill is null)
        {
            figures.WriteLine("--infill needs a masked or simplex diffusion model (e.g. models/dc-masked or models/dc-simplex).");
            return 2;
        }

        try
        {
            var filled = fill();
            output.WriteLine(filled.Text);
            figures.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"[blanks: {string.Join(" | ", filled.Values.Select(v => "\"" + v + "\""))}; {filled.ForwardPasses} forward passes]"));
            return 0;
        }
        catch (ArgumentException ex)
        {
            figures.WriteLine(ex.Message);
            return 2;
        }
    }

    /// <summary>
    /// The client the app talks to: with the demo tools on, M.E.AI's function invocation runs the model's tool calls
    /// and sends the results back, so a weather question ends in an answer sentence.
    /// </summary>
    public static IChatClient WithTools(IChatClient client, ChatArguments settings)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Tools ? client.AsBuilder().UseFunctionInvocation().Build() : client;
    }

    /// <summary>The demo tools, or none with <c>--no-tools</c>.</summary>
    public static IList<AITool>? Tools(ChatArguments settings) => settings.Tools ? DemoTools.Create(TimeProvider.System) : null;

    /// <summary>Answers one prompt: streams the answer to <paramref name="output"/> and a figures line to <paramref name="figures"/>.</summary>
    /// <returns>The process exit code (0).</returns>
    public static async Task<int> RunOnceAsync(IChatClient client, ChatArguments settings, TextWriter output, TextWriter figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(figures);
        ArgumentException.ThrowIfNullOrWhiteSpace(settings.Once, nameof(settings));
        var session = new ChatSession(client, settings, Tools(settings));
        var result = await session.AskAsync(settings.Once, output.Write, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await figures.WriteLineAsync(result.Figures).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Reads prompts until an empty line, <c>/exit</c> or end of input; keeps the history; Ctrl+C cancels the answer
    /// being generated, not the app.
    /// </summary>
    public static async Task<int> RunInteractiveAsync(IChatClient client, ChatArguments settings, TextReader input, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(console);
        var session = new ChatSession(client, settings, Tools(settings));
        CancellationTokenSource? current = null;
        void OnCancelKey(object? sender, ConsoleCancelEventArgs e)
        {
            // Ctrl+C during an answer cancels that answer and keeps the app; at the prompt it ends the app as usual.
            if (Volatile.Read(ref current) is not { } turn)
            {
                return;
            }

            e.Cancel = true;
            try
            {
                turn.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The answer finished between the key press and here: nothing left to cancel.
            }
        }

        Console.CancelKeyPress += OnCancelKey;
        try
        {
            console.MarkupLine("[grey]Type a message; an empty line or /exit quits; Ctrl+C stops the current answer.[/]");
            while (true)
            {
                console.Markup("[bold green]you>[/] ");
                var prompt = await input.ReadLineAsync().ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(prompt) || prompt.Trim() == "/exit")
                {
                    return 0;
                }

                using var turn = new CancellationTokenSource();
                Volatile.Write(ref current, turn);
                try
                {
                    ChatTurnResult result;
                    if (settings.Animate)
                    {
                        result = await AnimatedAnswer.AskAsync(client, session, settings, prompt, console, turn.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        console.Markup("[bold blue]model>[/] ");
                        result = await session.AskAsync(prompt, t => console.Write(new Text(t)), turn.Token).ConfigureAwait(false);
                        console.WriteLine();
                    }

                    console.MarkupLine("[grey]" + Markup.Escape(result.Figures) + "[/]");
                }
                catch (OperationCanceledException) when (turn.IsCancellationRequested)
                {
                    console.WriteLine();
                    console.MarkupLine("[yellow](answer cancelled; it is not kept in the history)[/]");
                }
                finally
                {
                    Volatile.Write(ref current, null);
                }
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKey;
        }
    }
}
