using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>
/// A tokenizer read from a folder but not yet built: the vocabulary is known, so special-token roles can be resolved
/// first and then registered when the Microsoft.ML.Tokenizers object is built.
/// </summary>
internal abstract class TokenizerDefinition
{
    /// <summary>The file (or built-in encoding name) the vocabulary came from, for messages.</summary>
    public abstract string Source { get; }

    /// <summary>One more than the largest id of the vocabulary and its added tokens.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>Tokens that encode as a unit and are declared by the vocabulary file itself (e.g. <c>added_tokens</c>).</summary>
    public abstract IReadOnlyDictionary<string, int> AddedTokens { get; }

    /// <summary>The id of a token given by its text, if it is one token of the vocabulary.</summary>
    public abstract bool TryGetId(string text, out int id);

    /// <summary>The text of a token given by its id, if the vocabulary has it.</summary>
    public abstract string? TextOf(int id);

    /// <summary>Builds the tokenizer with <paramref name="specialTokens"/> encoded as single ids.</summary>
    public abstract Tokenizer Build(IReadOnlyDictionary<string, int> specialTokens);
}
