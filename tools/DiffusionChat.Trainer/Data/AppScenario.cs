using DiffusionChat.Chat;
using Microsoft.Extensions.AI;

namespace DiffusionChat.Trainer.Data;

/// <summary>
/// One conversation as an application sends it through <c>IChatClient</c>: its tools as <see cref="AIFunction"/>s,
/// an optional system message, the user's question, and, when a tool is needed, the call the model should make, what
/// the tool returns and the values the final answer must carry.
/// </summary>
/// <param name="Family"><c>weather</c>, <c>time</c>, <c>capital</c> or <c>copy</c>.</param>
/// <param name="SystemText">The app's system message, or null.</param>
/// <param name="Question">The user's message.</param>
/// <param name="Tools">The tools the app offers, in its order.</param>
/// <param name="Called">The tool the question needs, or null (capital and copy questions).</param>
/// <param name="Place">The argument of that call (the place asked about), or null.</param>
/// <param name="Kind">The kind of that place name (null for made-up names and calls-free families).</param>
/// <param name="Returns">What the called tool returns (a JSON object or a string), or null.</param>
/// <param name="AnswerValues">Values the final answer must contain (temperature and condition; clock; capital; the copied text).</param>
/// <param name="Answer">The reference final answer, in the family's one form (<see cref="InstructionVocabulary.WeatherAnswer"/> ...).</param>
/// <param name="ContentKeys">The content atoms it was built from; held-out and training scenarios share none (numbers aside, as in <see cref="ChatExample"/>).</param>
internal sealed record AppScenario(
    string Family, string? SystemText, string Question, IReadOnlyList<AppToolDefinition> Tools, AppToolDefinition? Called, string? Place,
    PlaceKind? Kind, object? Returns, IReadOnlyList<string> AnswerValues, string Answer, IReadOnlyList<string> ContentKeys)
{
    /// <summary>The call id the reference call carries.</summary>
    public const string CallId = "call_0";

    /// <summary>The tools as the app passes them in <c>ChatOptions.Tools</c> (the called one returns <see cref="Returns"/>).</summary>
    public IList<AITool> Functions() => Tools.Select(t => (AITool)t.ToFunction(t == Called ? Returns : null)).ToList();

    /// <summary>The messages up to the question: what the first request sends.</summary>
    public List<ChatMessage> QuestionMessages()
    {
        var messages = new List<ChatMessage>();
        if (SystemText is not null)
        {
            messages.Add(new ChatMessage(ChatRole.System, SystemText));
        }

        messages.Add(new ChatMessage(ChatRole.User, Question));
        return messages;
    }

    /// <summary>The reference call, with the place under the tool's own parameter name.</summary>
    public FunctionCallContent ReferenceCall() =>
        new(CallId, Called?.Name ?? throw new InvalidOperationException($"A {Family} scenario makes no call."), new Dictionary<string, object?> { [Called.Parameter] = Place });

    /// <summary>
    /// The messages of the second request: the question, the reference call, and the tool's result as function
    /// invocation hands it back (the function is invoked).
    /// </summary>
    public async Task<List<ChatMessage>> AnswerMessagesAsync(CancellationToken cancellationToken)
    {
        var call = ReferenceCall();
        var function = Called!.ToFunction(Returns);
        var result = await function.InvokeAsync(new AIFunctionArguments(call.Arguments), cancellationToken).ConfigureAwait(false);
        var messages = QuestionMessages();
        messages.Add(new ChatMessage(ChatRole.Assistant, [call]));
        messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(CallId, result)]));
        return messages;
    }

    /// <summary>
    /// The whole conversation as a training example, mapped to turns by the client's own mapping, so training text is
    /// exactly what the client renders for the same messages.
    /// </summary>
    public ChatExample ToChatExample()
    {
        var messages = Called is null ? QuestionMessages() : AnswerMessagesAsync(CancellationToken.None).GetAwaiter().GetResult();
        messages.Add(new ChatMessage(ChatRole.Assistant, Answer));
        var turns = ChatTurnMapper.Map(messages, instructions: null);
        return new ChatExample(Family, turns, ChatTurnMapper.MapTools(Functions()), ContentKeys);
    }
}
