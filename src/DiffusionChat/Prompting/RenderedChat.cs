namespace DiffusionChat.Prompting;

/// <summary>A conversation rendered to template text, with the character spans the assistant wrote.</summary>
/// <param name="Text">The full text.</param>
/// <param name="AssistantSpans">
/// For each assistant turn, the characters after its <c>&lt;|im_start|&gt;assistant\n</c> header up to and including
/// its <c>&lt;|im_end|&gt;</c>: what a model is trained to produce (the answer tokens).
/// </param>
public sealed record RenderedChat(string Text, IReadOnlyList<Range> AssistantSpans);
