using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>
/// A BPE vocabulary with merges, as read from <c>tokenizer.json</c> or <c>vocab.json</c> + <c>merges.txt</c>, built
/// into a Microsoft.ML.Tokenizers <see cref="BpeTokenizer"/>.
/// </summary>
internal sealed class BpeDefinition : TokenizerDefinition
{
    /// <summary>GPT-2's pre-tokenizer pattern (also RoBERTa's and that of <c>ByteLevel</c> with <c>use_regex</c>).</summary>
    public const string Gpt2SplitPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly Dictionary<string, int> vocabulary;
    private readonly Dictionary<int, string> textById;
    private readonly List<string> merges;
    private readonly Dictionary<string, int> addedTokens;
    private readonly Regex splitter;

    public BpeDefinition(
        string source,
        Dictionary<string, int> vocabulary,
        List<string> merges,
        Dictionary<string, int> addedTokens,
        BpeSettings settings)
    {
        Source = source;
        this.vocabulary = vocabulary;
        this.merges = merges;
        this.addedTokens = addedTokens;
        Settings = settings;
        textById = new Dictionary<int, string>();
        foreach (var (text, id) in vocabulary.Concat(addedTokens))
        {
            textById.TryAdd(id, text);
        }

        VocabularySize = textById.Count == 0 ? 0 : textById.Keys.Max() + 1;
        splitter = SplitterFor(settings.SplitPattern);
    }

    public override string Source { get; }

    public override int VocabularySize { get; }

    public override IReadOnlyDictionary<string, int> AddedTokens => addedTokens;

    public BpeSettings Settings { get; }

    public override bool TryGetId(string text, out int id) =>
        addedTokens.TryGetValue(text, out id) || vocabulary.TryGetValue(text, out id);

    public override string? TextOf(int id) => textById.GetValueOrDefault(id);

    public override Tokenizer Build(IReadOnlyDictionary<string, int> specialTokens)
    {
        var options = new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = Settings.ByteLevel,
            SpecialTokens = specialTokens.Count > 0 ? specialTokens.ToDictionary(StringComparer.Ordinal) : null,
            // The pre-tokenizer isolates special tokens first, so they never reach BPE and stay one id each.
            PreTokenizer = new RegexPreTokenizer(splitter, specialTokens.Count > 0 ? specialTokens : null),
            Normalizer = Settings.Normalizer,
            UnknownToken = Settings.UnknownToken,
            ContinuingSubwordPrefix = Settings.ContinuingSubwordPrefix,
            EndOfWordSuffix = Settings.EndOfWordSuffix,
            FuseUnknownTokens = Settings.FuseUnknownTokens,
        };
        return BpeTokenizer.Create(options);
    }

    private static Regex SplitterFor(string? pattern)
    {
        // Without a split pattern the whole text is one word (ML.Tokenizers would otherwise split at spaces and drop them).
        // With one, text between matches is kept as its own piece, as the Hugging Face "Isolated" behaviour does.
        var full = pattern is null ? @"[\s\S]+" : $@"(?:{pattern})|(?:(?!(?:{pattern}))[\s\S])+";
        return new Regex(full, RegexOptions.CultureInvariant);
    }
}
