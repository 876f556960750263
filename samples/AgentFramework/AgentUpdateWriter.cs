using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Samples.AgentFramework;

/// <summary>
/// Prints a streamed agent turn as it happens: answer text as it arrives (after <c>agent&gt; </c>), each tool call and
/// tool result on a line of its own, so the reader sees the agent call the tool before it answers.
/// </summary>
/// <remarks>Keeps track of the current line: one turn at a time, from one thread.</remarks>
public sealed class AgentUpdateWriter
{
    private readonly TextWriter output;
    private bool midLine;

    /// <summary>Creates a writer printing to <paramref name="output"/>.</summary>
    public AgentUpdateWriter(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        this.output = output;
    }

    /// <summary>Writes one update.</summary>
    public void Write(AgentResponseUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var content in update.Contents)
        {
            switch (content)
            {
                case TextContent { Text.Length: > 0 } text:
                    if (!midLine)
                    {
                        output.Write("agent> ");
                        midLine = true;
                    }

                    output.Write(text.Text);
                    break;
                case FunctionCallContent call:
                    WriteLine($"[tool call] {call.Name}({string.Join(", ", call.Arguments?.Select(a => $"{a.Key}: {a.Value}") ?? [])})");
                    break;
                case FunctionResultContent result:
                    WriteLine($"[tool result] {result.Result}");
                    break;
            }
        }
    }

    /// <summary>Ends the turn's last line.</summary>
    public void EndTurn()
    {
        if (midLine)
        {
            output.WriteLine();
            midLine = false;
        }
    }

    private void WriteLine(string line)
    {
        EndTurn();
        output.WriteLine(line);
    }
}
