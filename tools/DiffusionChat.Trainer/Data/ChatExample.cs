using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Data;

/// <summary>One generated conversation.</summary>
/// <param name="Category">What it teaches (<c>weather</c>, <c>time</c>, <c>capital</c>, <c>greeting</c>, <c>sort</c>, <c>reverse</c>, <c>arithmetic</c>).</param>
/// <param name="Turns">The turns, ending with an assistant turn.</param>
/// <param name="Tools">The tools listed in the system turn (may be empty).</param>
/// <param name="ContentKeys">
/// The content atoms it was built from (<c>city:Oslo</c>, <c>phrasing:weather:3</c>, <c>operands:+:12:7</c> ...): the
/// held-out split shares none with the train split, which tests check.
/// </param>
internal sealed record ChatExample(string Category, IReadOnlyList<ChatTurn> Turns, IReadOnlyList<ToolDefinition> Tools, IReadOnlyList<string> ContentKeys)
{
    /// <summary>The turns after the system turn, if there is one (user question first).</summary>
    public IReadOnlyList<ChatTurn> Conversation => Turns.Count > 0 && Turns[0].Role == ChatTurnRole.System ? Turns.Skip(1).ToList() : Turns;

    /// <summary>The turns up to and including the first user question (the system turn, if any, and the question).</summary>
    public IReadOnlyList<ChatTurn> FirstPrompt => Turns.Take(Turns.Count - Conversation.Count + 1).ToList();

    /// <summary>The conversation rendered in the chat template, with its assistant spans.</summary>
    public RenderedChat Render() => ChatMlPromptFormat.Instance.RenderWithSpans(Turns, Tools, addGenerationPrompt: false);
}
