using System.Text.Json;
using DiffusionChat.Trainer.Data;
using Microsoft.ML.Tokenizers;

namespace DiffusionChat.Trainer.Tokenization;

/// <summary>Loads a tokenizer folder written by <see cref="BpeVocabulary.Save"/> with Microsoft.ML.Tokenizers.</summary>
internal static class TrainedTokenizer
{
    /// <summary>Opens the folder as a byte-level <see cref="BpeTokenizer"/> whose special tokens are single ids.</summary>
    /// <param name="folder">A folder holding <c>vocab.json</c>, <c>merges.txt</c> and <c>tokenizer_config.json</c>.</param>
    /// <returns>The tokenizer and the id of each special token.</returns>
    /// <exception cref="FileNotFoundException">A tokenizer file is missing.</exception>
    public static (BpeTokenizer Tokenizer, IReadOnlyDictionary<string, int> SpecialTokenIds) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var vocabPath = Path.Combine(folder, BpeVocabulary.VocabularyFile);
        var mergesPath = Path.Combine(folder, BpeVocabulary.MergesFile);
        var configPath = Path.Combine(folder, BpeVocabulary.ConfigFile);
        foreach (var path in new[] { vocabPath, mergesPath, configPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"Tokenizer file '{path}' is missing.", path);
            }
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var config = JsonDocument.Parse(File.ReadAllBytes(configPath)))
        {
            foreach (var entry in config.RootElement.GetProperty("added_tokens_decoder").EnumerateObject())
            {
                special[entry.Value.GetProperty("content").GetString()!] = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var options = new BpeOptions(vocabPath, mergesPath)
        {
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(PreTokenization.Regex(), special),
        };
        return (BpeTokenizer.Create(options), special);
    }
}
