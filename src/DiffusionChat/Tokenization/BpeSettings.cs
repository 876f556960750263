using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Tokenization;

/// <summary>How a BPE vocabulary splits and spells text.</summary>
/// <param name="ByteLevel">Text is turned into UTF-8 bytes spelled in GPT-2's byte alphabet (<c>Ġ</c> for space).</param>
/// <param name="SplitPattern">Regex that splits text into words before BPE; null: the whole text is one word.</param>
/// <param name="Normalizer">Applied to the text first, if any.</param>
/// <param name="UnknownToken">Token used for characters the vocabulary lacks, if any.</param>
/// <param name="ContinuingSubwordPrefix">Prefix of non-initial subwords, if any.</param>
/// <param name="EndOfWordSuffix">Suffix of word-final subwords, if any.</param>
/// <param name="FuseUnknownTokens">Whether consecutive unknown tokens collapse into one.</param>
internal sealed record BpeSettings(
    bool ByteLevel,
    string? SplitPattern,
    Normalizer? Normalizer = null,
    string? UnknownToken = null,
    string? ContinuingSubwordPrefix = null,
    string? EndOfWordSuffix = null,
    bool FuseUnknownTokens = false);
