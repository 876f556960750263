namespace DiffusionChat.Tokenization;

/// <summary>One special token: its text (as it may appear in a prompt) and its id.</summary>
/// <param name="Text">The token's text, e.g. <c>&lt;|mdm_mask|&gt;</c>; text containing it encodes to <paramref name="Id"/>.</param>
/// <param name="Id">The token id.</param>
public sealed record SpecialToken(string Text, int Id);
