namespace DiffusionChat.Structured;

/// <summary>
/// A choice among structures (enum values, <c>true</c>/<c>false</c>, a value or <c>null</c>, <c>anyOf</c> branches,
/// the tool to call): the model's own likelihood of each option's opening text picks one; it never writes free text
/// here.
/// </summary>
/// <param name="Options">The options, at least one; on equal opening texts the first wins.</param>
public sealed record Alternatives(IReadOnlyList<CanvasNode> Options) : CanvasNode;
