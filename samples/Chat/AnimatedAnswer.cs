using System.Collections.Concurrent;
using DiffusionChat.Generation;
using DiffusionChat.Tokenization;
using Microsoft.Extensions.AI;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DiffusionChat.Samples.Chat;

/// <summary>
/// Shows an answer denoising in place: every answer position starts as a mask glyph and tokens appear as the sampler
/// commits them, several per step when it decodes in parallel. Uses <see cref="MaskedTokenGenerator.StepCommitted"/>;
/// the chat call itself is an ordinary <see cref="IChatClient"/> call.
/// </summary>
/// <remarks>
/// Steps are queued by the generation thread and replayed one per frame, so a tiny model that finishes in
/// milliseconds is still watchable; the real figures (time, forward passes) come from the call, not the replay.
/// </remarks>
internal static class AnimatedAnswer
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(40);

    /// <summary>Asks <paramref name="prompt"/> and animates the answer; falls back to plain streaming for models without step events.</summary>
    public static async Task<ChatTurnResult> AskAsync(IChatClient client, ChatSession session, ChatArguments settings, string prompt, IAnsiConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(console);
        var generator = client.GetService<MaskedTokenGenerator>();
        var tokenizer = client.GetService<ITextTokenizer>();
        if (generator is null || tokenizer is null)
        {
            console.MarkupLine("[yellow]--animate needs a masked-diffusion model; streaming instead.[/]");
            var plain = await session.AskAsync(prompt, t => console.Write(new Text(t)), cancellationToken).ConfigureAwait(false);
            console.WriteLine();
            return plain;
        }

        int blockLength = settings.BlockLength ?? generator.DefaultDiffusion.BlockLength ?? 32;
        int answerLength = (settings.MaxTokens + blockLength - 1) / blockLength * blockLength;
        var canvas = new DenoisingCanvas(answerLength);
        var pending = new ConcurrentQueue<DenoisingStepEventArgs>();
        void OnStep(object? sender, DenoisingStepEventArgs e) => pending.Enqueue(e);
        string Decode(int id) => tokenizer.Decode([id]).ReplaceLineEndings("⏎");

        generator.StepCommitted += OnStep;
        try
        {
            ChatTurnResult? result = null;
            await console.Live(View(canvas, Decode, null)).AutoClear(false).StartAsync(async live =>
            {
                var ask = session.AskAsync(prompt, _ => { }, cancellationToken);
                while (!(ask.IsCompleted && (pending.IsEmpty || cancellationToken.IsCancellationRequested)))
                {
                    if (pending.TryDequeue(out var step))
                    {
                        canvas.Apply(step);
                        live.UpdateTarget(View(canvas, Decode, step));
                        await Task.Delay(Frame, CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        await Task.WhenAny(ask, Task.Delay(Frame, CancellationToken.None)).ConfigureAwait(false);
                    }
                }

                result = await ask.ConfigureAwait(false);
                live.UpdateTarget(new Panel(new Text(result.Text)).Header("answer").Expand());
            }).ConfigureAwait(false);
            return result!;
        }
        finally
        {
            generator.StepCommitted -= OnStep;
        }
    }

    private static Panel View(DenoisingCanvas canvas, Func<int, string> decode, DenoisingStepEventArgs? step)
    {
        var header = step is null
            ? "denoising"
            : $"block {step.Block} step {step.Step}: +{step.Positions.Count} token(s) committed in parallel";
        IRenderable body = new Markup("[grey]" + Markup.Escape(canvas.Render(decode)) + "[/]");
        return new Panel(body).Header(Markup.Escape(header)).Expand();
    }
}
