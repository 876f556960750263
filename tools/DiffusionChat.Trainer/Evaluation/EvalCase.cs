using DiffusionChat.Prompting;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>
/// One held-out question: the conversation up to an assistant turn, and that turn as the expected reply. The family
/// says what is scored: <c>weather/call</c> (a tool call), <c>weather/answer</c> (an answer from a tool result), or a
/// plain family such as <c>capital</c> (exact text).
/// </summary>
internal sealed record EvalCase(string Family, IReadOnlyList<ChatTurn> Context, IReadOnlyList<ToolDefinition> Tools, ChatTurn Expected)
{
    /// <summary>Every assistant turn of a held-out conversation becomes one case.</summary>
    public static IEnumerable<EvalCase> From(Data.ChatExample example)
    {
        for (int k = 0; k < example.Turns.Count; k++)
        {
            var turn = example.Turns[k];
            if (turn.Role != ChatTurnRole.Assistant)
            {
                continue;
            }

            var family = turn.ToolCalls.Count > 0 ? example.Category + "/call"
                : k > 0 && example.Turns[k - 1].Role == ChatTurnRole.Tool ? example.Category + "/answer"
                : example.Category;
            yield return new EvalCase(family, example.Turns.Take(k).ToList(), example.Tools, turn);
        }
    }
}
