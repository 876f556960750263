namespace DiffusionChat.Structured;

/// <summary>Text written as is (braces, keys, quotes, commas, the tool-call wrapper); the model never changes it.</summary>
/// <param name="Text">The text.</param>
public sealed record FixedText(string Text) : CanvasNode;
