using System.Text.Json;
using DiffusionChat.Checkpoints;

namespace DiffusionChat.Tokenization;

/// <summary>
/// Builds the tokenizer of a checkpoint folder from, in order: <c>tokenizer.json</c> (BPE), <c>vocab.json</c> +
/// <c>merges.txt</c> (byte-level BPE, GPT-2 / RoBERTa style), or the built-in GPT-2 encoding when
/// <c>config.json</c> or <c>tokenizer_config.json</c> says <c>"tokenizer_name_or_path": "gpt2"</c> (or the caller asks
/// for it as the fallback). Special tokens come from the folder's own files (see <see cref="SpecialTokens"/>).
/// </summary>
public static class TokenizerLoader
{
    /// <summary>Hugging Face fast-tokenizer file.</summary>
    public const string TokenizerJsonFile = "tokenizer.json";

    /// <summary>Byte-level BPE vocabulary (token -> id).</summary>
    public const string VocabFile = "vocab.json";

    /// <summary>Byte-level BPE merges, one "left right" pair per line.</summary>
    public const string MergesFile = "merges.txt";

    /// <summary>Tokenizer settings and special tokens.</summary>
    public const string TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>Special-token roles.</summary>
    public const string SpecialTokensMapFile = "special_tokens_map.json";

    /// <summary>Model configuration (special-token ids, <c>vocab_size</c>).</summary>
    public const string ConfigFile = "config.json";

    /// <summary>Generation defaults (<c>eos_token_id</c>, possibly a list).</summary>
    public const string GenerationConfigFile = "generation_config.json";

    /// <summary>The key in <c>config.json</c> or <c>tokenizer_config.json</c> naming a built-in encoding (MDLM's Hydra name).</summary>
    public const string EncodingHintKey = "tokenizer_name_or_path";

    /// <summary>The built-in GPT-2 encoding's name for <see cref="EncodingHintKey"/> and <c>fallbackEncoding</c>.</summary>
    public const string Gpt2Encoding = "gpt2";

    /// <summary>Loads the tokenizer of a checkpoint folder.</summary>
    /// <param name="directory">The checkpoint folder.</param>
    /// <param name="fallbackEncoding">
    /// A built-in encoding (<see cref="Gpt2Encoding"/>) to use when the folder has no tokenizer files and no hint; null:
    /// none.
    /// </param>
    /// <returns>The tokenizer, safe to share between threads.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no tokenizer; the message lists every file looked for.</exception>
    /// <exception cref="CheckpointFormatException">A tokenizer file is malformed or names a token its vocabulary lacks.</exception>
    /// <exception cref="NotSupportedException">The tokenizer uses a component Microsoft.ML.Tokenizers cannot reproduce.</exception>
    /// <exception cref="ArgumentException"><paramref name="fallbackEncoding"/> is not a known built-in encoding.</exception>
    public static DiffusionTokenizer Load(string directory, string? fallbackEncoding = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (fallbackEncoding is not null && !IsGpt2(fallbackEncoding))
        {
            throw new ArgumentException($"Built-in encoding '{fallbackEncoding}' is not known (known: '{Gpt2Encoding}').", nameof(fallbackEncoding));
        }

        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"Checkpoint folder '{full}' does not exist.");
        }

        var config = TokenizerJson.ReadOptional(Path.Combine(full, ConfigFile));
        var tokenizerConfig = TokenizerJson.ReadOptional(Path.Combine(full, TokenizerConfigFile));
        var definition = ReadDefinition(full, config, tokenizerConfig, fallbackEncoding);
        var special = SpecialTokensReader.Read(full, definition, config, tokenizerConfig);
        int vocabularySize = Math.Max(definition.VocabularySize, special.ByText.Values.DefaultIfEmpty(-1).Max() + 1);
        return new DiffusionTokenizer(Build(definition, special), special, vocabularySize, definition.Source);
    }

    /// <summary>Loads the tokenizer of an opened checkpoint folder.</summary>
    /// <inheritdoc cref="Load(string, string?)"/>
    public static DiffusionTokenizer Load(CheckpointFolder checkpoint, string? fallbackEncoding = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Load(checkpoint.Directory, fallbackEncoding);
    }

    private static TokenizerDefinition ReadDefinition(string directory, JsonElement? config, JsonElement? tokenizerConfig, string? fallbackEncoding)
    {
        var tokenizerJson = Path.Combine(directory, TokenizerJsonFile);
        if (File.Exists(tokenizerJson))
        {
            return TokenizerJsonReader.Read(tokenizerJson);
        }

        var vocab = Path.Combine(directory, VocabFile);
        var merges = Path.Combine(directory, MergesFile);
        if (File.Exists(vocab) || File.Exists(merges))
        {
            return VocabMergesReader.Read(vocab, merges);
        }

        var (hint, hintSource) = Hint(directory, ConfigFile, config) is { } h ? (h, ConfigFile)
            : Hint(directory, TokenizerConfigFile, tokenizerConfig) is { } t ? (t, TokenizerConfigFile)
            : (fallbackEncoding, "the caller's fallback encoding");
        if (hint is not null && IsGpt2(hint))
        {
            return new Gpt2Definition(hintSource);
        }

        var unsupportedHint = hint is null ? "" : $" The hint '{EncodingHintKey}': '{hint}' in {hintSource} names no built-in encoding (known: '{Gpt2Encoding}').";
        throw new FileNotFoundException(
            $"No tokenizer found in checkpoint folder '{directory}'. Looked for: {TokenizerJsonFile}; {VocabFile} + {MergesFile}; " +
            $"'{EncodingHintKey}': '{Gpt2Encoding}' in {ConfigFile} or {TokenizerConfigFile}.{unsupportedHint}",
            tokenizerJson);
    }

    private static Microsoft.ML.Tokenizers.Tokenizer Build(TokenizerDefinition definition, SpecialTokens special)
    {
        try
        {
            return definition.Build(special.ByText);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            // Microsoft.ML.Tokenizers validates vocabulary and merges itself; report its findings against the file.
            throw new CheckpointFormatException(definition.Source, null, $"cannot be built into a tokenizer ({ex.Message}).", ex);
        }
    }

    private static string? Hint(string directory, string file, JsonElement? json) =>
        json is { } j ? TokenizerJson.OptionalString(Path.Combine(directory, file), j, EncodingHintKey) : null;

    private static bool IsGpt2(string name) =>
        string.Equals(name, Gpt2Encoding, StringComparison.OrdinalIgnoreCase) ||
        string.Equals(name, "openai-community/gpt2", StringComparison.OrdinalIgnoreCase);
}
