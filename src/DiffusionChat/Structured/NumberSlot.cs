namespace DiffusionChat.Structured;

/// <summary>
/// A JSON number written by the model from digits, a leading minus and (unless <paramref name="Integer"/>) one decimal
/// point only, at most <paramref name="MaxTokens"/> tokens, then clamped into the schema's bounds.
/// </summary>
/// <param name="Integer">Whole numbers only (schema type <c>integer</c>).</param>
/// <param name="Minimum">The schema's <c>minimum</c>, if any.</param>
/// <param name="Maximum">The schema's <c>maximum</c>, if any.</param>
/// <param name="MaxTokens">Token budget of the value (digits are single tokens in the shipped tokenizers).</param>
public sealed record NumberSlot(bool Integer, double? Minimum = null, double? Maximum = null, int MaxTokens = 12) : CanvasNode;
