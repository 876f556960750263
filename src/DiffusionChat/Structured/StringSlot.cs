namespace DiffusionChat.Structured;

/// <summary>
/// The content of a JSON string (between fixed quotes), written by the model until it closes the string, at most
/// <paramref name="MaxTokens"/> tokens; the writer escapes it, so any text the model writes stays valid JSON.
/// </summary>
/// <param name="MaxTokens">Token budget of the value (a longer value is cut there).</param>
/// <param name="MaxLength">The schema's <c>maxLength</c> in characters, if any (a longer value is cut to it).</param>
public sealed record StringSlot(int MaxTokens, int? MaxLength = null) : CanvasNode;
