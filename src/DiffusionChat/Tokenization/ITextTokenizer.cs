namespace DiffusionChat.Tokenization;

/// <summary>The two directions of a tokenizer, as the chat client and the samplers need them.</summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface ITextTokenizer
{
    /// <summary>Encodes text; special tokens written in the text (e.g. <c>&lt;|im_end|&gt;</c>) become their single ids.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes ids to text, special tokens included as their text.</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>The id of a special token given by its text, if the vocabulary has it as one token.</summary>
    bool TryGetSpecialTokenId(string token, out int id);
}
