using DiffusionChat.Trainer.Data;

namespace DiffusionChat.Trainer.Evaluation;

/// <summary>How one request of the realistic split went.</summary>
/// <param name="Family"><c>weather/call</c>, <c>weather/answer</c>, <c>time/call</c>, <c>time/answer</c> or <c>capital</c>.</param>
/// <param name="Kind">The kind of place name asked about (null for capital questions).</param>
/// <param name="Correct">The family's test (<see cref="RealisticScore"/>).</param>
/// <param name="WellFormedCall">For calls: the client returned at least one function call.</param>
/// <param name="DidNotFit">The client refused the request because prompt plus default answer budget exceed the context.</param>
/// <param name="Tokens">Answer tokens generated (the usage's output count).</param>
/// <param name="ForwardPasses">Model forward passes (the usage's <c>forward_passes</c>).</param>
/// <param name="Seconds">Wall time of the request.</param>
/// <param name="Question">The user's question.</param>
/// <param name="Expected">What a right reply holds (the call, or the values).</param>
/// <param name="Reply">What the client returned (text and calls).</param>
internal sealed record RealisticResult(
    string Family, PlaceKind? Kind, bool Correct, bool WellFormedCall, bool DidNotFit, int Tokens, int ForwardPasses, double Seconds,
    string Question, string Expected, string Reply);
