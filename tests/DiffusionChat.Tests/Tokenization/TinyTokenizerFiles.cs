using System.Text.Json;

namespace DiffusionChat.Tests.Tokenization;

/// <summary>
/// Writes small but complete byte-level BPE tokenizers: all 256 byte symbols (so any text round-trips) plus a few merges
/// that spell "Hello" and " world" as one token each.
/// </summary>
internal static class TinyTokenizerFiles
{
    public static readonly string[] Merges = ["H e", "l l", "He ll", "Hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"];

    /// <summary>GPT-2's printable spelling of each byte (Ġ for space, Ċ for newline, ...).</summary>
    public static string[] ByteSymbols()
    {
        var symbols = new string[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;
            symbols[b] = char.ConvertFromUtf32(printable ? b : next++);
        }

        return symbols;
    }

    /// <summary>Byte symbols get ids 0..255, then each merge result in order, then <paramref name="extra"/>.</summary>
    public static Dictionary<string, int> Vocabulary(params string[] extra)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var symbol in ByteSymbols())
        {
            vocab[symbol] = vocab.Count;
        }

        foreach (var merge in Merges)
        {
            vocab.TryAdd(merge.Replace(" ", "", StringComparison.Ordinal), vocab.Count);
        }

        foreach (var token in extra)
        {
            vocab[token] = vocab.Count;
        }

        return vocab;
    }

    public static void WriteVocabAndMerges(string folder, params string[] extra)
    {
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(Vocabulary(extra)));
        File.WriteAllLines(Path.Combine(folder, "merges.txt"), ["#version: 0.2", .. Merges]);
    }

    /// <summary>A Llama-3 / Qwen-style tokenizer.json: Split regex then ByteLevel without its own regex, added tokens after the vocabulary.</summary>
    public static void WriteTokenizerJson(string folder, IReadOnlyList<string> addedTokens, bool arrayMerges = false, string modelType = "BPE")
    {
        var vocab = Vocabulary();
        var added = addedTokens.Select((t, i) => new { id = vocab.Count + i, content = t, special = true }).ToArray();
        var json = new
        {
            version = "1.0",
            added_tokens = added,
            normalizer = (object?)null,
            pre_tokenizer = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
                },
            },
            decoder = new { type = "ByteLevel" },
            model = new
            {
                type = modelType,
                vocab,
                merges = arrayMerges ? Merges.Select(m => (object)m.Split(' ')).ToArray() : Merges.Cast<object>().ToArray(),
            },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(json));
    }
}
