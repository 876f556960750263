using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>
/// The tokenizer of a checkpoint, as the engines and the chat client use it: text to ids and back, the vocabulary size
/// and the special tokens. Build one with <see cref="TokenizerLoader.Load(string, string?)"/>.
/// </summary>
/// <remarks>
/// <see cref="Encode"/> returns the ids of the text only: no BOS/EOS or template is added (the chat template does
/// that). Special tokens written in the text (e.g. <c>&lt;|im_start|&gt;</c>) encode to their single id. Instances
/// are immutable and safe to share between threads.
/// </remarks>
public sealed class DiffusionTokenizer : ITextTokenizer
{
    private readonly HashSet<int> specialIds;

    internal DiffusionTokenizer(Tokenizer tokenizer, SpecialTokens specialTokens, int vocabularySize, string source)
    {
        Tokenizer = tokenizer;
        SpecialTokens = specialTokens;
        VocabularySize = vocabularySize;
        Source = source;
        specialIds = [.. specialTokens.ByText.Values];
    }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer (special tokens registered).</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>The special tokens read from the checkpoint folder.</summary>
    public SpecialTokens SpecialTokens { get; }

    /// <summary>
    /// One more than the largest id this tokenizer can produce or decode. A model's <c>vocab_size</c> may be larger
    /// (padded embedding tables); ids at or beyond this value are not tokens.
    /// </summary>
    public int VocabularySize { get; }

    /// <summary>Where the vocabulary came from (a file path or the built-in encoding), for diagnostics.</summary>
    public string Source { get; }

    /// <summary>Whether <paramref name="id"/> is a special or added token (mask, EOS, chat markers, ...).</summary>
    public bool IsSpecial(int id) => specialIds.Contains(id);

    /// <summary>Encodes text to token ids.</summary>
    /// <param name="text">The text; may contain special tokens.</param>
    /// <returns>A new array of ids.</returns>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return [.. Tokenizer.EncodeToIds(text)];
    }

    /// <summary>Decodes token ids to text.</summary>
    /// <param name="ids">Token ids, each in <c>[0, VocabularySize)</c>.</param>
    /// <param name="skipSpecialTokens">Leave special and added tokens (mask, EOS, chat markers) out of the text.</param>
    /// <returns>The text.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is negative or not below <see cref="VocabularySize"/>.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var kept = new List<int>(ids.Length);
        foreach (var id in ids)
        {
            if (id < 0 || id >= VocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary (allowed: 0..{VocabularySize - 1}).");
            }

            if (!skipSpecialTokens || !specialIds.Contains(id))
            {
                kept.Add(id);
            }
        }

        return Tokenizer.Decode(kept);
    }

    /// <inheritdoc />
    IReadOnlyList<int> ITextTokenizer.Encode(string text) => Encode(text);

    /// <inheritdoc />
    /// <remarks>
    /// Ids at or above <see cref="VocabularySize"/> are model-side padding rows of the embedding table (LLaDA's
    /// embedding is larger than its tokenizer); they have no text and render as nothing here.
    /// </remarks>
    string ITextTokenizer.Decode(IReadOnlyList<int> ids) => Decode(ids.Where(id => id >= 0 && id < VocabularySize).ToArray());

    /// <inheritdoc />
    bool ITextTokenizer.TryGetSpecialTokenId(string token, out int id) => SpecialTokens.TryGetId(token, out id);
}
