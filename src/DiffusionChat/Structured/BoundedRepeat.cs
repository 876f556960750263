namespace DiffusionChat.Structured;

/// <summary>
/// The items of an array of bounded length, after its fixed opening: between <paramref name="MinItems"/> and
/// <paramref name="MaxItems"/> items joined by <paramref name="Separator"/>, then <paramref name="Close"/>. After each
/// item that the bounds leave open, the model's likelihood of the separator against the closing text decides.
/// </summary>
/// <param name="Item">The canvas of one item.</param>
/// <param name="Separator">Text between items (a comma for JSON).</param>
/// <param name="Close">Text after the last item (a closing bracket for JSON).</param>
/// <param name="MinItems">Fewest items, at least 1 (a scaffold gives every array one item at least).</param>
/// <param name="MaxItems">Most items, at least <paramref name="MinItems"/>.</param>
public sealed record BoundedRepeat(CanvasNode Item, string Separator, string Close, int MinItems, int MaxItems) : CanvasNode;
