namespace DiffusionChat.Tokenization;

/// <summary>
/// The special tokens of a checkpoint's tokenizer, read from the folder's own files (never assumed for a model family).
/// </summary>
/// <remarks>
/// Roles (<see cref="Mask"/>, <see cref="Bos"/>, ...) are null when the folder defines none. <see cref="ByText"/> holds
/// every token that encodes as a unit: the roles, <c>added_tokens</c> of <c>tokenizer.json</c>,
/// <c>added_tokens_decoder</c> of <c>tokenizer_config.json</c> and <c>additional_special_tokens</c>, which is where chat
/// markers such as <c>&lt;|im_start|&gt;</c> come from.
/// </remarks>
/// <param name="Mask">The mask token of a masked diffusion model.</param>
/// <param name="Bos">Beginning of sequence.</param>
/// <param name="Eos">End of sequence (the first of <see cref="StopTokenIds"/>).</param>
/// <param name="Pad">Padding.</param>
/// <param name="Unknown">Unknown token.</param>
/// <param name="StopTokenIds">
/// Every id that ends generation: <see cref="Eos"/> plus the other ids listed as <c>eos_token_id</c> in
/// <c>config.json</c> or <c>generation_config.json</c> (e.g. an end-of-turn marker).
/// </param>
/// <param name="ByText">Every special or added token, by text.</param>
public sealed record SpecialTokens(
    SpecialToken? Mask,
    SpecialToken? Bos,
    SpecialToken? Eos,
    SpecialToken? Pad,
    SpecialToken? Unknown,
    IReadOnlyList<int> StopTokenIds,
    IReadOnlyDictionary<string, int> ByText)
{
    /// <summary>Looks up a special or added token (e.g. a chat marker) by its text.</summary>
    /// <param name="text">The token text, e.g. <c>&lt;|im_start|&gt;</c>.</param>
    /// <param name="id">The token id when found.</param>
    /// <returns>Whether the folder defines that token.</returns>
    public bool TryGetId(string text, out int id)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ByText.TryGetValue(text, out id);
    }
}
