namespace DiffusionChat.Structured;

/// <summary>Nodes written one after another.</summary>
/// <param name="Parts">The nodes, in order.</param>
public sealed record CanvasSequence(IReadOnlyList<CanvasNode> Parts) : CanvasNode;
