namespace DiffusionChat.Structured;

/// <summary>
/// One piece of a scaffold (the "canvas" of template infilling): the structure of an answer laid out in advance as
/// fixed text, with typed value slots the model fills. Built from a JSON schema by <see cref="JsonSchemaScaffold"/>
/// and written by <see cref="ScaffoldWriter"/>.
/// </summary>
/// <remarks>
/// The node kinds are <see cref="FixedText"/>, <see cref="StringSlot"/>, <see cref="NumberSlot"/>,
/// <see cref="Alternatives"/>, <see cref="CanvasSequence"/> and <see cref="BoundedRepeat"/>. Nodes are immutable.
/// </remarks>
public abstract record CanvasNode;
